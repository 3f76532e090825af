#!/usr/bin/env python3
"""Derive the compact terminology tables casefhir ships as package data from the public sources
in ../shared/data/terminology/ (see docs/terminology.md for releases and licences):

- mappings/terminology/hgnc.tsv.gz from the HGNC complete set (approved genes: HGNC id, symbol,
  name, locus group, previous and alias symbols) and the HGNC download with withdrawn entries
  (withdrawn symbols and the successors HGNC names for them);
- mappings/terminology/so.tsv from the Sequence Ontology (id and name of every term casefhir may
  write as a DNA change type or molecular consequence, with whether the Genomics Reporting
  ValueSets' roots include it);
- mappings/terminology/drugs.tsv from the GDC dictionary's therapeutic agents (names) and NCIt
  (code|preferred name): every agent name, with its NCIt code where NCIt's preferred name is
  the same name (case-insensitive), plus common regimen abbreviations (no code: the NCIt copy
  has no regimens).

Deterministic: the same sources give byte-identical files (sorted rows, gzip without a time
stamp). `--check` verifies the shipped files instead of writing them (scripts/test runs it).

    python scripts/derive_terminology.py [--shared ../shared] [--check]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mappings" / "terminology"
HGNC_RELEASE = "2024-10-18"
SO_RELEASE = "2025-09-10"
NCIT_RELEASE = "25.12e"

# Genomics Reporting 3.0.0 ValueSet roots (dna-change-type-vs, molecular-consequence-vs)
DNA_CHANGE_TYPE_ROOT = "SO:0002072"
CONSEQUENCE_ROOT = "SO:0001537"
# casefhir writes terms below these (sequence_variant, sequence_alteration, sequence_comparison)
SO_ROOTS = ("SO:0001060", "SO:0001059", "SO:0002072")

_SUCCESSOR = re.compile(r"HGNC:\d+")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[|,]", cell.strip('"')) if part.strip()]


def hgnc_rows(shared: Path) -> Iterator[str]:
    folder = shared / "data" / "terminology" / "hgnc"
    approved: set[str] = set()
    rows: list[tuple[str, ...]] = []
    with gzip.open(folder / "hgnc_complete_set.txt.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["status"] != "Approved":
                continue
            approved.add(row["symbol"])
            rows.append(("A", row["hgnc_id"], row["symbol"], row["name"], row["locus_group"],
                         "|".join(_split(row["prev_symbol"])), "|".join(_split(row["alias_symbol"]))))
    with gzip.open(folder / "hgnc_entries_with_withdrawn_2024-07.tsv.gz", "rt",
                   encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            status = row["Status"]
            symbol = row["Approved symbol"]
            if "Withdrawn" not in status or symbol in approved:
                continue
            successors = "|".join(dict.fromkeys(_SUCCESSOR.findall(row["Approved name"])))
            rows.append(("W", row["HGNC ID"], symbol, "", "", successors, ""))
    rows.sort(key=lambda r: (r[0], int(r[1].removeprefix("HGNC:"))))
    yield f"# HGNC {HGNC_RELEASE} (CC0), derived by scripts/derive_terminology.py\n"
    for row in rows:
        yield "\t".join(row) + "\n"


def so_terms(shared: Path) -> dict[str, tuple[str, list[str]]]:
    """id → (name, is_a parents) of every term of so.obo that is not obsolete."""
    terms: dict[str, tuple[str, list[str]]] = {}
    text = (shared / "data" / "terminology" / "sequence-ontology" / "so.obo").read_text("utf-8")
    for stanza in text.split("\n\n"):
        lines = stanza.strip().splitlines()
        if not lines or lines[0] != "[Term]":
            continue
        fields: dict[str, list[str]] = {}
        for line in lines[1:]:
            key, _, value = line.partition(": ")
            fields.setdefault(key, []).append(value)
        if fields.get("is_obsolete") == ["true"]:
            continue
        parents = [value.split(" ! ")[0] for value in fields.get("is_a", [])]
        terms[fields["id"][0]] = (fields["name"][0], parents)
    return terms


def _below(term: str, root: str, terms: dict[str, tuple[str, list[str]]]) -> bool:
    seen: set[str] = set()
    todo = [term]
    while todo:
        current = todo.pop()
        if current == root:
            return True
        if current in seen or current not in terms:
            continue
        seen.add(current)
        todo.extend(terms[current][1])
    return False


def so_rows(shared: Path) -> Iterator[str]:
    terms = so_terms(shared)
    yield f"# Sequence Ontology {SO_RELEASE} (CC BY 4.0), derived by scripts/derive_terminology.py\n"
    yield "# id\tname\tin dna-change-type-vs\tin molecular-consequence-vs\n"
    for term, (name, _) in sorted(terms.items()):
        if not any(_below(term, root, terms) for root in SO_ROOTS):
            continue
        flags = ("y" if _below(term, DNA_CHANGE_TYPE_ROOT, terms) else "",
                 "y" if _below(term, CONSEQUENCE_ROOT, terms) else "")
        yield "\t".join((term, name, *flags)) + "\n"


def oncotree_rows(shared: Path) -> Iterator[str]:
    """OncoTree 2025-10-03 (CC BY 4.0): code, name, main type, tissue, parent, NCIt code and its
    preferred name (NCIt 25.12e), and the ICD-O behaviour digit of ontology_mappings.txt as a
    word (only 'malignant' is ever used: to decide whether a diagnosis may also carry the
    malignant-neoplasm code; the ICD-O codes themselves are not shipped)."""
    folder = shared / "data" / "terminology"
    tree = json.loads((folder / "oncotree" / "oncotree_2025_10_03.json").read_text("utf-8"))
    ncit_names = dict(line.split("|", 1) for line in
                      (folder / "ncit" / "ncit_25.12e.txt").read_text("utf-8").splitlines()
                      if "|" in line)
    behaviours: dict[str, str] = {}
    with (folder / "oncotree" / "ontology_mappings.txt").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            morphology = row.get("ICDO_MORPHOLOGY_CODE") or ""
            digit = morphology.rpartition("/")[2]
            behaviours[row["ONCOTREE_CODE"]] = {"3": "malignant", "2": "in-situ", "1": "uncertain",
                                                "0": "benign"}.get(digit, "")
    nodes: list[dict[str, object]] = []

    def walk(children: dict[str, dict[str, object]]) -> None:
        for node in children.values():
            nodes.append(node)
            walk(node.get("children") or {})  # type: ignore[arg-type]

    walk(tree)
    yield ("# OncoTree 2025-10-03 (CC BY 4.0, MSK) with NCIt 25.12e names (CC BY 4.0), derived by "
           "scripts/derive_terminology.py\n")
    yield "# code\tname\tmain type\ttissue\tparent\tncit\tncit name\tbehaviour\n"
    for node in sorted(nodes, key=lambda n: str(n["code"])):
        code = str(node["code"])
        if code == "TISSUE":
            continue
        ncit = next(iter((node.get("externalReferences") or {}).get("NCI") or []), "")  # type: ignore[union-attr]
        fields = (code, node.get("name") or "", node.get("mainType") or "",
                  node.get("tissue") or "", node.get("parent") or "", ncit,
                  ncit_names.get(ncit, ""), behaviours.get(code, ""))
        yield "\t".join(str(f).replace("\t", " ") for f in fields) + "\n"


# Regimens papers name by abbreviation → their agents (the abbreviation is recognised as systemic
# therapy; NCIt regimen concepts are not in the shared copy, so no code is written).
REGIMENS = {
    "VAC": "vincristine, dactinomycin, cyclophosphamide",
    "VAC/IE": "vincristine, doxorubicin, cyclophosphamide alternating with ifosfamide, etoposide",
    "VDC": "vincristine, doxorubicin, cyclophosphamide",
    "VDC/IE": "vincristine, doxorubicin, cyclophosphamide alternating with ifosfamide, etoposide",
    "VIDE": "vincristine, ifosfamide, doxorubicin, etoposide",
    "IE": "ifosfamide, etoposide",
    "AI": "doxorubicin, ifosfamide",
    "MAP": "methotrexate, doxorubicin, cisplatin",
    "CHOP": "cyclophosphamide, doxorubicin, vincristine, prednisone",
    "R-CHOP": "rituximab, cyclophosphamide, doxorubicin, vincristine, prednisone",
    "FOLFOX": "folinic acid, fluorouracil, oxaliplatin",
    "FOLFIRI": "folinic acid, fluorouracil, irinotecan",
    "FOLFIRINOX": "folinic acid, fluorouracil, irinotecan, oxaliplatin",
    "CAPOX": "capecitabine, oxaliplatin",
    "XELOX": "capecitabine, oxaliplatin",
    "ABVD": "doxorubicin, bleomycin, vinblastine, dacarbazine",
    "BEP": "bleomycin, etoposide, cisplatin",
    "TC": "paclitaxel, carboplatin",
    "GT": "gemcitabine, docetaxel",
    "5-FU": "fluorouracil",
}


# GDC answers that are no agent (a table writing "other" or "placebo" names no drug)
NOT_AGENTS = {"Not Otherwise Specified", "Placebo", "Other", "Unknown", "Not Reported"}


def drug_rows(shared: Path) -> Iterator[str]:
    folder = shared / "data" / "terminology"
    ncit: dict[str, tuple[str, str]] = {}
    for line in (folder / "ncit" / "ncit_25.12e.txt").read_text("utf-8").splitlines():
        code, _, name = line.partition("|")
        if name:
            ncit.setdefault(name.strip().casefold(), (code.strip(), name.strip()))
    names = [line.strip() for line in
             (folder / "gdc" / "gdc_treatment_therapeutic_agents_enum.txt").read_text("utf-8")
             .splitlines() if line.strip() and line.strip() not in NOT_AGENTS]
    yield (f"# GDC therapeutic agents (2024-02, Apache-2.0) with NCIt {NCIT_RELEASE} codes "
           "(CC BY 4.0) where the preferred name is the same; derived by "
           "scripts/derive_terminology.py\n")
    yield "# kind\tname\tNCIt code\tNCIt preferred name\tagents (regimens)\n"
    for name in sorted(set(names), key=str.casefold):
        code, preferred = ncit.get(name.casefold(), ("", ""))
        yield "\t".join(("agent", name, code, preferred, "")) + "\n"
    for abbreviation, agents in sorted(REGIMENS.items()):
        yield "\t".join(("regimen", abbreviation, "", "", agents)) + "\n"


def _gzip(text: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9, filename="") as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def derived(shared: Path) -> dict[Path, bytes]:
    return {OUT / "hgnc.tsv.gz": _gzip("".join(hgnc_rows(shared))),
            OUT / "so.tsv": "".join(so_rows(shared)).encode("utf-8"),
            OUT / "oncotree.tsv": "".join(oncotree_rows(shared)).encode("utf-8"),
            OUT / "drugs.tsv": "".join(drug_rows(shared)).encode("utf-8")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a shipped file differs from what the sources give")
    args = parser.parse_args()
    stale = []
    for path, content in derived(args.shared).items():
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(path)
        else:
            path.write_bytes(content)
            print(f"{path.relative_to(ROOT)}: {len(content):,} bytes")
    for path in stale:
        print(f"{path.relative_to(ROOT)} differs from its sources: run "
              "python scripts/derive_terminology.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
