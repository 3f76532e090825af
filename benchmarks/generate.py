"""A seeded generator of realistic synthetic case series of any size.

Every column the mapping uses, written the way real case-series tables write them (ages with
units, sex words, sizes in mm/cm, fusion and other molecular notations (mutations, copy
number, negatives, several per cell), yes/no words, margins, outcome
abbreviations), so that benchmarks exercise the normalisers as real input does. The values are
synthetic; the same seed always gives the same file.

    python benchmarks/generate.py --rows 10000 --seed 1 -o /tmp/cases-10k.csv

`--sample` writes the wider table of benchmarks/sample.py instead (every resource kind the
mappings make, for the validator tests); without it the output is the benchmark's, unchanged.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

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


def age(r: random.Random) -> str:
    years = r.choice([0, 0, 1, 2, 3, *range(4, 80)])
    if years == 0:
        months = r.randint(0, 11)
        return r.choice(["at birth", f"{months} months", f"{months} mo"]) if months else "at birth"
    return r.choice([str(years), f"{years} y", f"{years}-year-old", f"{years}-yr-old",
                     f"{years} years"])


def size(r: random.Random) -> str:
    a, b = r.randint(8, 150), r.randint(5, 120)
    return r.choice([f"{a} x {b} mm", f"{a}x{b}mm", f"{a / 10:.1f} cm", f"{a} mm",
                     f"{a / 10:.1f} x {b / 10:.1f} x {r.randint(1, 9)} cm"])


def fusion(r: random.Random) -> str:
    if r.random() < 0.05:
        return r.choice(["negative", "none detected"])
    gene = r.choice(["NTRK1", "NTRK1", "NTRK3"])
    partner = r.choice(PARTNERS_1 if gene == "NTRK1" else PARTNERS_3)
    return r.choice([f"{partner}-{gene}", f"{partner}::{gene}", f"{partner}/{gene}",
                     f"{gene} fusion", f"{gene} (partner not reported)"])


# notations of real papers and MAFs (tests/read/real_notations.tsv has their sources)
MOLECULAR = ["BRAF V600E", "BRAF p.V600E", "KRAS G12C", "KRAS p.G12D", "TP53 R273H",
             "EGFR exon 19 deletion", "EGFR L858R", "EGFR p.E746_A750del", "EGFR exon 20 insertion",
             "NM_004333.4:c.1799T>A", "PIK3CA p.H1047R (VAF 35%)", "ERBB2 amplification",
             "MDM2 amp", "CDKN2A homozygous deletion", "ALK-", "EGFR wt", "ROS1 negative",
             "negative for NTRK1-3", "NAB2ex6-STAT6ex16", "EML4-ALK variant 3a/b", "MET exon 14 skipping",
             "IDH1 p.R132H", "DNMT3A R882H", "NPM1 p.W288fs", "TERT c.-124C>T"]


def molecular(r: random.Random) -> str:
    if r.random() < 0.5:
        return ""
    return "; ".join(r.sample(MOLECULAR, r.choice([1, 1, 2, 3])))


def yes_no(r: random.Random, p: float) -> str:
    return r.choice(["yes", "Y", "+", "present"]) if r.random() < p else \
        r.choice(["no", "N", "-", "absent", "none"])


def rows(count: int, seed: int) -> Iterator[list[str]]:
    r = random.Random(seed)
    for n in range(1, count + 1):
        recurred = r.random() < 0.2
        months = r.randint(3, 120)
        status = r.choice(["NED", "NED", "AWD", "DOD", f"alive, no recurrence at {months} mo"])
        yield [
            f"C{n}", age(r), r.choice(["F", "M", "female", "male", "woman", "man", "girl", "boy"]),
            r.choice(["NTRK-rearranged spindle cell neoplasm", "NTRK-RSCN", "infantile fibrosarcoma"]),
            f"{r.choice(SIDES)} {r.choice(REGIONS)}".strip(),
            r.choice(["superficial", "deep", "subcutaneous", "intramuscular", ""]),
            size(r), fusion(r),
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
            r.choice(["wide excision", "marginal resection", "excision", "resection",
                      "above-knee amputation"]),
            r.choice(["R0", "wide", "marginal", "R1", "free", "involved", "wide (R0)"]),
            r.choice(["", "none", "larotrectinib", "chemotherapy", "chemotherapy + RT",
                      "entrectinib", "radiotherapy"]),
            r.choice(["", "CR", "PR", "SD", "PD"]),
            f"yes ({r.randint(3, 60)} mo)" if recurred else r.choice(["no", "N", "-"]),
            r.choice(["lung", "yes", "lung and bone"]) if recurred and r.random() < 0.5 else "no",
            str(months), status,
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
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
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
