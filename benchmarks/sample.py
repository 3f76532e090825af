"""The validation sample: a seeded synthetic case series whose columns make every resource kind
casefhir's mappings make (tests/test_hl7_validator.py converts it and checks that they do).

Each case is one plausible patient of one of six tumour families (NTRK-rearranged spindle cell
tumours, synovial sarcoma, GIST, lung adenocarcinoma, breast carcinoma, colorectal carcinoma):
its molecular findings, IHC panel, grade, stage, imaging, operation and treatments are the ones
that family gets, in the wordings real case-series tables print; times are in order (recurrence
and metastasis before the last follow-up, overall survival equal to it). The benchmark table's
value writers (benchmarks/generate.py: ages, sizes, fusions, yes/no words) are reused, so one
generator serves both.

    python benchmarks/generate.py --sample --rows 204 --seed 14 -o /tmp/sample.csv
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.coherence import age, span, years
from benchmarks.generate import REGIONS, SIDES, fusion, size, yes_no

# the sample the tests convert (tests/test_hl7_validator.py, tests/server/test_validate.py)
CASES = 204
SEED = 14

HEADERS = ["Case", "Age", "Sex", "Diagnosis", "Site", "Depth", "Size", "Gene fusion", "Method",
           "Molecular findings", "pan-TRK IHC", "IHC", "Ki-67", "Mitoses", "Grade", "Stage",
           "Smoking", "ECOG", "KPS", "MRI findings", "Vascularity", "Flow voids", "Border",
           "Fat infiltration", "T1", "T2", "Enhancement", "CT findings", "PET-CT", "Imaging",
           "Endoscopy", "US", "Radiograph", "Pre-op Dx", "Surgery", "Intent", "Margin",
           "Neoadjuvant therapy", "Treatment", "Response",
           "Local recurrence", "Time to recurrence", "Metastasis", "Time to metastasis",
           "Follow-up (months)", "Status", "OS status", "OS months", "Reference"]

REFERENCES = ["Smith J et al. (2019), doi:10.1000/xyz.2019.12", "PMID: 31234567",
              "Tanaka K, et al. 2021 [14]", "Müller A 2018", "Lee et al., J Clin Oncol 2020",
              "case 3 of ref. 12", ""]


def _course(r: random.Random, follow_up: int) -> dict[str, str]:
    """Local recurrence and metastasis (each with its month, before the last follow-up) and the
    status at the last follow-up that fits them."""
    recurred_at = r.randint(3, follow_up - 2) if follow_up >= 6 and r.random() < 0.25 else None
    spread_at = r.randint(2, follow_up - 1) if follow_up >= 6 and r.random() < 0.2 else None
    cells = {"Follow-up (months)": str(follow_up),
             "Status": ("DOD" if spread_at and r.random() < 0.5 else
                        "AWD" if recurred_at or spread_at else r.choice(["NED", "alive, NED"]))}
    if recurred_at:  # the month in the cell, or in its own column
        written = r.choice([f"yes ({recurred_at} mo)", "yes", "Y"])
        cells["Local recurrence"] = written
        cells["Time to recurrence"] = "" if "mo" in written else str(recurred_at)
    else:
        cells["Local recurrence"] = r.choice(["no", "N", "-", "none"])
    if spread_at:
        cells["Time to metastasis"] = str(spread_at)
    return cells


def _ntrk(r: random.Random) -> dict[str, str]:
    infant = r.random() < 0.35
    return {
        "Age": r.choice(["at birth", f"{r.randint(1, 11)} months", f"{r.randint(1, 11)} mo"])
        if infant else age(r, *span("ntrk-rscn"))[0],
        "Diagnosis": "infantile fibrosarcoma" if infant else
        r.choice(["NTRK-rearranged spindle cell neoplasm", "NTRK-RSCN"]),
        "Site": f"{r.choice(SIDES)} {r.choice(REGIONS)}".strip(),
        "Depth": r.choice(["superficial", "deep", "subcutaneous", "intramuscular", ""]),
        "Size": size(r),
        "Gene fusion": "ETV6::NTRK3" if infant and r.random() < 0.7 else fusion(r),
        "Method": r.choice(["NGS", "RNA-seq", "Archer FusionPlex", "RT-PCR", "targeted RNA NGS"]),
        "pan-TRK IHC": r.choice(["diffuse positive", "positive", "focal", "+"]),
        "IHC": r.choice(["CD34+, S100+, SOX10-", "S100 focal +; CD34 +; desmin -", ""]),
        "Mitoses": r.choice(["", "3/10 HPF", "<1/10HPF", "12 per 10 HPF"]),
        "Grade": r.choice(["", "low grade", "FNCLCC 2", "high grade"]),
        "MRI findings": r.choice(["Hypervascular mass with flow voids",
                                  "Lobulated mass with peritumoral flow voids and infiltration "
                                  "of fat", ""]),
        "Vascularity": r.choice(["high", "hypervascular", "yes", "no"]),
        "Flow voids": yes_no(r, 0.85),
        "Border": r.choice(["ill-defined", "partially ill-defined", "well-defined"]),
        "Fat infiltration": yes_no(r, 0.6),
        "T1": r.choice(["iso", "hypo", "isointense"]),
        "T2": r.choice(["hyper", "hyperintense", "heterogeneous"]),
        "Enhancement": r.choice(["heterogeneous", "homogeneous"]),
        "US": r.choice(["", "hypoechoic mass", "hypervascular on Doppler"]),
        "Radiograph": r.choice(["", "", "no bone erosion", "soft-tissue swelling"]),
        "Pre-op Dx": r.choice(["", "", "SFT", "hemangioma", "haemangioma"]),
        "Surgery": r.choice(["wide excision", "marginal resection", "excision",
                             "above-knee amputation"]),
        "Margin": r.choice(["R0", "wide", "marginal", "R1", "free", "involved"]),
        "Treatment": r.choice(["", "none", "larotrectinib", "entrectinib",
                               "vincristine, actinomycin D, cyclophosphamide (VAC)",
                               "Adjuvant chemotherapy planned"]),
    }


def _synovial(r: random.Random) -> dict[str, str]:
    dose = r.choice([50, 60, 66])
    return {
        # most between 15 and 60 (inside the family's span)
        "Age": age(r, *span("synovial sarcoma"))[0] if r.random() < 0.3 else
        str(r.randint(15, 60)),
        "Diagnosis": r.choice(["Synovial sarcoma", "synovial sarcoma, monophasic",
                               "Synovial sarcoma (biphasic)"]),
        "Site": f"{r.choice(SIDES)} {r.choice(['thigh', 'knee', 'foot', 'forearm'])}".strip(),
        "Depth": r.choice(["deep", "intramuscular", "deep-seated"]),
        "Size": size(r),
        "Gene fusion": r.choice(["SS18::SSX1", "SS18-SSX2", "SS18 rearranged"]),
        "Method": r.choice(["FISH", "RT-PCR", "NGS"]),
        "IHC": r.choice(["TLE1+, EMA+, CD34-", "TLE1 diffuse positive; SS18-SSX positive; "
                         "H3K27me3 retained", "BCL2+, CD99+, S100-"]),
        "Mitoses": r.choice(["5/10 HPF", "15 per 10 HPF", "2 per 2 mm2"]),
        "Grade": r.choice(["FNCLCC 3", "FNCLCC grade 2", "G3"]),
        "Stage": r.choice(["Stage IIIA (pT2N0M0)", "IIIB", "Stage II", "pT1 N0 M0",
                           "localized", "Stage IV (pT2N0M1)"]),
        "MRI findings": r.choice(["Heterogeneous deep mass with triple sign",
                                  "Lobulated mass with calcifications", ""]),
        "T2": r.choice(["heterogeneous", "hyperintense"]),
        "Enhancement": r.choice(["heterogeneous", ""]),
        "CT findings": r.choice(["", "CT: lung nodules", "no lung nodules",
                                 "calcified soft-tissue mass"]),
        "Radiograph": r.choice(["", "soft-tissue calcifications", "no bone involvement"]),
        "Surgery": r.choice(["wide excision", "wide resection", "limb-sparing resection",
                             "amputation"]),
        "Intent": r.choice(["curative", ""]),
        "Margin": r.choice(["R0", "R1", "wide (R0)", "negative"]),
        "Neoadjuvant therapy": r.choice(["", "doxorubicin + ifosfamide", "AI x3"]),
        "Treatment": r.choice([f"RT {dose} Gy/{dose // 2} fx", f"adjuvant RT {dose} Gy",
                               f"doxorubicin; RT {dose} Gy/{dose // 2} fx", "ifosfamide",
                               "Resection without adjuvant chemo- or radiotherapy",
                               f"radiotherapy {dose} Gy in {dose // 2} fractions"]),
        "Response": r.choice(["", "PR to doxorubicin", "SD", "CR"]),
    }


def _gist(r: random.Random) -> dict[str, str]:
    return {
        "Age": str(r.randint(*years("gist"))),
        "Diagnosis": r.choice(["GIST", "gastrointestinal stromal tumour",
                               "Gastrointestinal stromal tumor, spindle cell type"]),
        "Site": r.choice(["stomach", "small bowel", "jejunum", "rectum", "duodenum"]),
        "Size": size(r),
        "Molecular findings": r.choice(["KIT exon 11 deletion", "KIT p.W557_K558del",
                                        "PDGFRA D842V", "KIT exon 9 insertion",
                                        "KIT/PDGFRA wild-type"]),
        "Method": r.choice(["Sanger sequencing", "NGS"]),
        "IHC": r.choice(["CD117+, DOG1+, CD34+", "KIT positive; DOG1 positive; desmin -",
                         "CD117 diffuse +, S100 -"]),
        "Ki-67": r.choice(["<5%", "8%", "15%", "high"]),
        "Mitoses": r.choice(["3/50 HPF", "12/50 HPF", "<5 per 5 mm2", "7 per 50 HPF"]),
        "Stage": r.choice(["", "localized", "Stage II", "pT3 pN0 cM0"]),
        "CT findings": r.choice(["Exophytic gastric mass", "heterogeneous enhancing mass",
                                 "liver lesions", ""]),
        "PET-CT": r.choice(["", "FDG-avid mass", ""]),
        "Endoscopy": r.choice(["submucosal mass", "ulcerated submucosal tumour", ""]),
        "Surgery": r.choice(["wedge resection", "partial gastrectomy", "segmental resection",
                             "laparoscopic resection"]),
        "Margin": r.choice(["R0", "R1", "Tumor-free", "negative"]),
        "Neoadjuvant therapy": r.choice(["", "", "imatinib 400 mg/day"]),
        "Treatment": r.choice(["imatinib 400 mg/day", "adjuvant imatinib", "none",
                               "sunitinib at progression", "imatinib then sunitinib"]),
        "Response": r.choice(["", "PR", "SD", "PD"]),
    }


def _lung(r: random.Random) -> dict[str, str]:
    driver = r.choice(["EGFR", "ALK", "KRAS", "none", "ROS1"])
    molecular = {"EGFR": r.choice(["EGFR L858R", "EGFR exon 19 deletion",
                                   "EGFR p.E746_A750del", "EGFR exon 20 insertion"]),
                 "ALK": "", "ROS1": "", "KRAS": r.choice(["KRAS G12C", "KRAS p.G12D; TP53 R273H"]),
                 "none": r.choice(["EGFR wt; ALK-", "negative for EGFR, ALK and ROS1",
                                   "negative for EGFR, ALK and ROS1", "MET exon 14 skipping"])
                 }[driver]
    drug = {"EGFR": "osimertinib", "ALK": "crizotinib", "KRAS": "sotorasib", "ROS1": "entrectinib",
            "none": "carboplatin + pemetrexed"}[driver]
    stage = r.choice(["Stage IIIA (pT2N1M0)", "IV", "Stage IB", "cT2a N2 M0", "IVB", "Inoperable",
                      "locally advanced"])
    operable = stage not in ("IV", "IVB", "Inoperable")
    return {
        "Age": str(r.randint(*years("lung adenocarcinoma"))),
        "Diagnosis": r.choice(["Lung adenocarcinoma", "NSCLC, adenocarcinoma",
                               "adenocarcinoma of the lung"]),
        "Site": r.choice(["right upper lobe", "left lower lobe", "right lung", "left lung"]),
        "Size": size(r),
        "Gene fusion": {"ALK": r.choice(["EML4-ALK variant 3a/b", "EML4::ALK"]),
                        "ROS1": "CD74-ROS1"}.get(driver, ""),
        "Method": r.choice(["NGS", "FISH", "Oncomine", "cobas EGFR"]),
        "Molecular findings": molecular,
        "IHC": r.choice(["TTF-1+, napsin A+; PD-L1 (22C3) TPS 60%", "PD-L1 <1%; ALK (D5F3) "
                         "positive" if driver == "ALK" else "PD-L1 TPS 5%", "TTF1 positive"]),
        "Grade": r.choice(["", "G2", "poorly differentiated"]),
        "Stage": stage,
        "Smoking": r.choice(["never", "former, 30 pack-years", "current smoker", "ex-smoker",
                             "yes", "never smoker"]),
        "ECOG": r.choice(["0", "1", "2", "1", "ECOG 0"]),
        "KPS": r.choice(["90", "80", "70", "100%", ""]),
        "CT findings": r.choice(["spiculated mass", "CT: lung nodules", "pleural effusion",
                                 "mediastinal lymphadenopathy"]),
        "PET-CT": r.choice(["FDG-avid mass", "FDG-avid mediastinal nodes", ""]),
        "Imaging": r.choice(["", "PET: avid mass", "3 cm mass", "CT: lung nodules; MRI: "
                             "brain metastasis"]),
        "Surgery": "none" if not operable else r.choice(["Right lower lobectomy", "lobectomy",
                                                         "wedge resection", "pneumonectomy"]),
        "Margin": r.choice(["R0", "R0", "R1", ""]) if operable else "",
        "Treatment": r.choice([drug, f"{drug} then resection", f"adjuvant {drug}",
                               f"{drug}; RT 60 Gy/30 fx", "crizotinib at relapse"
                               if driver == "ALK" else drug]) if operable else
        r.choice([drug, f"{drug}; RT 60 Gy/30 fx"]),
        "Response": r.choice(["PR", "SD", "CR", "PD", f"PR to {drug}"]),
    }


def _breast(r: random.Random) -> dict[str, str]:
    her2 = r.random() < 0.25
    return {
        "Age": str(r.randint(*years("breast carcinoma"))),
        "Sex": "F",
        "Diagnosis": r.choice(["Invasive ductal carcinoma of breast", "breast carcinoma, NST",
                               "invasive lobular carcinoma"]),
        "Site": f"{r.choice(['left', 'right'])} breast",
        "Size": size(r),
        "Molecular findings": r.choice(["ERBB2 amplification" if her2 else "PIK3CA p.H1047R "
                                        "(VAF 35%)", "BRCA1 c.68_69delAG", ""]),
        "Method": r.choice(["NGS", "FISH"]),
        "IHC": ("ER <5%; PR-; HER2 3+" if her2 else
                r.choice(["ER 90%, PR 60%, HER2 1+", "ER+ PR+ HER2 2+", "ER positive; PR "
                          "negative; HER2 0"])),
        "Ki-67": r.choice(["10%", "30%", "Ki-67 45%", "low"]),
        "Grade": r.choice(["G2", "grade 3", "Nottingham grade 1", "G3"]),
        "Stage": r.choice(["Stage IIA (pT2N0M0)", "IIB", "pT1c pN1a cM0", "Stage IIIC",
                           "Stage IA"]),
        "ECOG": r.choice(["0", "0", "1"]),
        "MRI findings": r.choice(["irregular enhancing mass", "non-mass enhancement", ""]),
        "US": r.choice(["hypoechoic irregular mass", "", "spiculated hypoechoic lesion"]),
        "Surgery": r.choice(["lumpectomy", "mastectomy", "breast-conserving surgery"]),
        "Margin": r.choice(["negative", "R0", "close (1 mm)", "R1"]),
        "Neoadjuvant therapy": "trastuzumab + paclitaxel" if her2 else r.choice(["", "AC-T"]),
        "Treatment": r.choice(["tamoxifen; RT 50 Gy/25 fx", "letrozole", "RT 40 Gy/15 fx",
                               "trastuzumab" if her2 else "tamoxifen"]),
        "Response": r.choice(["", "pCR", "PR"]),
    }


def _colorectal(r: random.Random) -> dict[str, str]:
    return {
        "Age": str(r.randint(*years("colorectal carcinoma"))),
        "Diagnosis": r.choice(["Colorectal adenocarcinoma", "adenocarcinoma of the sigmoid colon",
                               "rectal adenocarcinoma"]),
        "Site": r.choice(["sigmoid colon", "rectum", "caecum", "ascending colon"]),
        "Size": size(r),
        "Molecular findings": r.choice(["KRAS p.G12D", "BRAF V600E", "NRAS Q61K",
                                        "KRAS/NRAS/BRAF wild-type", "BRAF p.V600E; MSI-H",
                                        "NM_004333.4:c.1799T>A", "APC c.4348C>T; TP53 R175H"]),
        "Method": r.choice(["NGS", "PCR", "pyrosequencing"]),
        "IHC": r.choice(["MLH1 loss, PMS2 loss, MSH2 retained, MSH6 retained",
                         "CK20+, CDX2+, CK7-", "mismatch repair proficient"]),
        "Grade": r.choice(["G2", "moderately differentiated", "G3", "low grade"]),
        "Stage": r.choice(["Stage IIIB (pT3N1M0)", "IV", "pT4a pN2b cM1a", "Stage IIA",
                           "metastatic"]),
        "ECOG": r.choice(["0", "1", "2"]),
        "KPS": r.choice(["", "90", "80"]),
        "CT findings": r.choice(["liver metastases", "bowel wall thickening", ""]),
        "PET-CT": r.choice(["", "FDG-avid liver lesions"]),
        "Endoscopy": r.choice(["ulcerated mass", "circumferential stenosing tumour", ""]),
        "Surgery": r.choice(["sigmoid colectomy", "low anterior resection", "right hemicolectomy",
                             "abdominoperineal resection"]),
        "Margin": r.choice(["R0", "R0", "R1", "negative"]),
        "Neoadjuvant therapy": r.choice(["", "chemoradiotherapy 50.4 Gy/28 fx with "
                                         "capecitabine"]),
        "Treatment": r.choice(["FOLFOX", "capecitabine", "FOLFIRI + bevacizumab",
                               "FOLFOX then cetuximab", "none"]),
        "Response": r.choice(["", "SD", "PR", "PD"]),
    }


# stage cells that say the disease had spread at diagnosis
METASTATIC_STAGE = re.compile(r"\bIV|M1|metastatic")

# each family's cells and the site it metastasises to first
FAMILIES: tuple[tuple[Callable[[random.Random], dict[str, str]], str], ...] = (
    (_ntrk, "lung"), (_synovial, "lung"), (_gist, "liver"), (_lung, "brain"), (_breast, "bone"),
    (_colorectal, "liver"))


def rows(count: int, seed: int) -> Iterator[list[str]]:
    """`count` cases, the families in turn (so any 6 consecutive cases hold all of them)."""
    r = random.Random(seed)
    for n in range(1, count + 1):
        family, site = FAMILIES[(n - 1) % len(FAMILIES)]
        cells = {"Case": f"S{n}", "Sex": r.choice(["F", "M", "female", "male"]),
                 "Reference": r.choice(REFERENCES)}
        cells.update(family(r))
        follow_up = r.randint(4, 120)
        cells.update(_course(r, follow_up))
        metastatic_at_diagnosis = bool(METASTATIC_STAGE.search(cells.get("Stage", "")))
        if metastatic_at_diagnosis:  # a stage IV / M1 case has its metastasis from the start
            cells.pop("Time to metastasis", None)
        if "Time to metastasis" in cells or metastatic_at_diagnosis:
            cells["Metastasis"] = r.choice([site, "yes", f"{site} and bone"])
            cells["Stage"] = cells.get("Stage") or "metastatic"
        else:
            cells["Metastasis"] = r.choice(["no", "none", "-", ""])
        if r.random() < 0.5:  # a cBioPortal-style survival pair on half the cases
            cells["OS status"] = "1:DECEASED" if cells["Status"] == "DOD" else "0:LIVING"
            cells["OS months"] = str(follow_up)
        yield [cells.get(header, "") for header in HEADERS]


def write(path: Path, count: int = CASES, seed: int = SEED) -> Path:
    """The sample as a CSV file (the bytes `generate.py --sample` writes)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS)
        writer.writerows(rows(count, seed))
    return path
