"""A seeded generator of realistic synthetic case series of any size.

Every column the mapping uses, written the way real case-series tables write them (ages with
units, sex words, sizes in mm/cm, fusion and other molecular notations (mutations, copy
number, negatives, several per cell), yes/no words, margins, outcome
abbreviations), so that benchmarks exercise the normalisers as real input does. The values are
synthetic but each case is coherent: its age fits its diagnosis and its sex words
(benchmarks/coherence.py), its operation its site, its margin its operation, its response a
treatment given, its status its course. The same seed always gives the same file.

    python benchmarks/generate.py --rows 10000 --seed 1 -o /tmp/cases-10k.csv

`--sample` writes the wider table of benchmarks/sample.py instead (every resource kind the
mappings make, for the validator tests).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
from benchmarks.coherence import DIAGNOSES, YEAR, age, life_stage, sex_word

HEADERS = ["Case", "Age", "Sex", "Diagnosis", "Site", "Depth", "Size", "Gene fusion", "Method",
           "Molecular findings",
           "pan-TRK IHC", "Vascularity", "Flow voids", "Border", "Fat infiltration", "T1", "T2",
           "Enhancement", "MRI findings", "Pre-op Dx", "Surgery", "Margin", "Treatment",
           "Response", "Local recurrence", "Metastasis", "Follow-up (months)", "Status"]

PARTNERS_1 = ["TPM3", "TPR", "LMNA", "PDE4DIP", "SQSTM1", "TFG"]
PARTNERS_3 = ["ETV6", "EML4", "ETV6", "ETV6"]
SIDES = ["left", "right", "Left", "Rt", "L", ""]
REGIONS = ["thigh", "lower leg", "upper arm", "forearm", "trunk", "back", "chest wall",
           "abdominal wall", "pelvis", "neck", "calf"]
# the operations a site allows: an amputation only of the limb the tumour is in
LOWER_LIMB = {"thigh": "above-knee amputation", "lower leg": "below-knee amputation",
              "calf": "below-knee amputation"}
UPPER_LIMB = {"upper arm": "amputation", "forearm": "amputation"}
# the margins an operation leaves: a marginal resection is never wide, a wide excision never
# marginal or involved
MARGINS = {"wide excision": ["R0", "wide", "free", "wide (R0)"],
           "marginal resection": ["marginal", "R1", "involved"],
           "excision": ["R0", "wide", "marginal", "R1", "free", "involved", "wide (R0)"],
           "resection": ["R0", "wide", "marginal", "R1", "free", "involved", "wide (R0)"],
           "amputation": ["R0", "wide", "free", "wide (R0)"]}
# the benchmark's diagnoses (benchmarks/coherence.py holds their ages), in 10: infantile
# fibrosarcoma, the commonest NTRK tumour of infancy, more often than its share of ages would
# give; lipofibromatosis-like neural tumour rarely (casefhir has no code for it, so each is a
# warning, as a real table's rare entity is)
# an infant's tumour is smaller than the 15 cm an adult's limb can hold (mm)
INFANT_LARGEST = 80
FAMILIES = ["ntrk-rscn"] * 6 + ["infantile fibrosarcoma"] * 3 + ["lpf-nt"]


def size(r: random.Random, largest: int = 150) -> str:
    """A size cell, its longest diameter at most `largest` mm."""
    a, b = r.randint(8, largest), r.randint(5, min(120, largest))
    return r.choice([f"{a} x {b} mm", f"{a}x{b}mm", f"{a / 10:.1f} cm", f"{a} mm",
                     f"{a / 10:.1f} x {b / 10:.1f} x {r.randint(1, 9)} cm"])


def fusion(r: random.Random) -> str:
    """Any NTRK fusion cell, 1 in 20 negative (the validation sample's draws depend on it)."""
    if r.random() < 0.05:
        return r.choice(["negative", "none detected"])
    gene = r.choice(["NTRK1", "NTRK1", "NTRK3"])
    partner = r.choice(PARTNERS_1 if gene == "NTRK1" else PARTNERS_3)
    return write_fusion(r, partner, gene)


def write_fusion(r: random.Random, partner: str, gene: str) -> str:
    return r.choice([f"{partner}-{gene}", f"{partner}::{gene}", f"{partner}/{gene}",
                     f"{gene} fusion", f"{gene} (partner not reported)"])


def family_fusion(r: random.Random, family: str) -> str:
    """A fusion cell the family has: ETV6::NTRK3 in most infantile fibrosarcomas (the one family
    here that may be fusion-negative), NTRK1 partners mostly otherwise; never negative in the
    families an NTRK fusion defines."""
    if family == "infantile fibrosarcoma":
        if r.random() < 0.05:
            return r.choice(["negative", "none detected"])
        gene = "NTRK3" if r.random() < 0.9 else "NTRK1"
    else:
        gene = r.choice(["NTRK1", "NTRK1", "NTRK3"] if family == "ntrk-rscn" else
                        ["NTRK1", "NTRK1", "NTRK1", "NTRK3"])
    partner = ("ETV6" if family == "infantile fibrosarcoma" and gene == "NTRK3" else
               r.choice(PARTNERS_1 if gene == "NTRK1" else PARTNERS_3))
    return write_fusion(r, partner, gene)


# findings that sit beside an NTRK fusion in a spindle cell tumour, in the notations of real
# papers and MAFs (tests/read/real_notations.tsv has their sources): other drivers only as
# negatives, since NTRK fusions and those drivers exclude each other
MOLECULAR = ["TP53 R273H", "TP53 p.R175H", "ENST00000269305.4:c.596G>T",
             "ENST00000269305.4:c.993+2T>G", "PIK3CA p.H1047R (VAF 35%)",
             "CDKN2A homozygous deletion", "CDKN2A/B homozygous deletion",
             "homozygous deletion of CDKN2A/B", "TERT c.-124C>T", "ALK-", "EGFR wt", "KRASwt",
             "ROS1 negative", "EGFR wild-type", "BRAF V600E was wild type",
             "negative for EGFR, ALK, ROS1"]


def molecular(r: random.Random) -> str:
    if r.random() < 0.5:
        return ""
    return "; ".join(r.sample(MOLECULAR, r.choice([1, 1, 2, 3])))


def yes_no(r: random.Random, p: float) -> str:
    return r.choice(["yes", "Y", "+", "present"]) if r.random() < p else \
        r.choice(["no", "N", "-", "absent", "none"])


def operation(r: random.Random, region: str) -> tuple[str, str]:
    """An operation the site allows and a margin it can leave."""
    choices = ["wide excision", "marginal resection", "excision", "resection"]
    amputation = LOWER_LIMB.get(region) or UPPER_LIMB.get(region)
    if amputation and r.random() < 0.15:
        return amputation, r.choice(MARGINS["amputation"])
    surgery = r.choice(choices)
    return surgery, r.choice(MARGINS[surgery])


def treatment(r: random.Random, fused: bool, months: int) -> tuple[str, str]:
    """A treatment after surgery and its response: TRK inhibitors only for a fusion, no
    radiotherapy for an infant, a response only to something given."""
    choices = ["", "none", "chemotherapy"]
    if fused:
        choices += ["larotrectinib", "larotrectinib", "entrectinib"]
    if months >= 3 * YEAR:
        choices += ["chemotherapy + RT", "radiotherapy"]
    given = r.choice(choices)
    return given, (r.choice(["", "CR", "PR", "SD", "PD"]) if given not in ("", "none") else "")


def course(r: random.Random) -> list[str]:
    """Local recurrence (its month before the last follow-up), metastasis, follow-up and the
    status that fits them: NED or "no recurrence" only without either, DOD only with disease, a
    month in the status only the follow-up's."""
    follow_up = r.randint(3, 120)
    recurred = follow_up >= 4 and r.random() < 0.2
    spread = recurred and r.random() < 0.5  # metastasis here only with a recurrence
    if recurred:
        recurrence = r.choice([f"yes ({r.randint(2, follow_up - 1)} mo)", "yes", "Y"])
        status = r.choice(["AWD", "DOD", "AWD", f"AWD at {follow_up} mo"])
    else:
        recurrence = r.choice(["no", "N", "-"])
        status = r.choice(["NED", "NED", "alive, NED", f"alive, no recurrence at {follow_up} mo"])
    metastasis = r.choice(["lung", "yes", "lung and bone"]) if spread else "no"
    return [recurrence, metastasis, str(follow_up), status]


def rows(count: int, seed: int) -> Iterator[list[str]]:
    r = random.Random(seed)
    for n in range(1, count + 1):
        family = r.choice(FAMILIES)
        diagnosis = DIAGNOSES[family]
        age_cell, months = age(r, diagnosis.youngest, diagnosis.oldest)
        female = r.random() < 0.5
        if r.random() < 0.02:  # a stage of life instead of a number, as some papers print
            age_cell = life_stage(months, female) or age_cell
        region = r.choice(REGIONS)
        surgery, margin = operation(r, region)
        fused = family_fusion(r, family)
        given, response = treatment(r, fused not in ("negative", "none detected"), months)
        yield [
            f"C{n}", age_cell, sex_word(r, months, female), r.choice(diagnosis.wordings),
            f"{r.choice(SIDES)} {region}".strip(),
            r.choice(["superficial", "deep", "subcutaneous", "intramuscular", ""]),
            size(r, INFANT_LARGEST if months < 2 * YEAR else 150), fused,
            r.choice(["NGS", "RNA-seq", "Archer FusionPlex", "RT-PCR", "targeted RNA NGS"]),
            molecular(r),
            r.choice(["diffuse positive", "positive", "focal", "+", "negative", ""]),
            r.choice(["high", "hypervascular", "yes", "no"]), yes_no(r, 0.85),
            r.choice(["ill-defined", "partially ill-defined", "well-defined", "circumscribed"]),
            yes_no(r, 0.6), r.choice(["iso", "hypo", "isointense", ""]),
            r.choice(["hyper", "hyperintense", "heterogeneous", ""]),
            r.choice(["heterogeneous", "homogeneous", ""]),
            r.choice(["", "Hypervascular mass with flow voids",
                      "Lobulated mass with peritumoral flow voids and infiltration of fat"]),
            r.choice(["", "", "SFT", "solitary fibrous tumour", "ASPS", "hemangioma"]),
            surgery, margin, given, response, *course(r),
        ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--sample", action="store_true",
                        help="the validation sample's columns (benchmarks/sample.py)")
    args = parser.parse_args(argv)
    if args.sample:
        # imported here: sample builds on this module's value writers
        from benchmarks import sample
        headers, table = sample.HEADERS, sample.rows(args.rows, args.seed)
    else:
        headers, table = HEADERS, rows(args.rows, args.seed)
    handle = sys.stdout if args.output == "-" else open(args.output, "w", newline="")  # noqa: SIM115
    with handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(table)


if __name__ == "__main__":
    main()
