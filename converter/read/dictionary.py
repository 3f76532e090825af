"""The canonical data dictionary: every column casefhir reads, its aliases, values and FHIR target.

Headers match a column when they equal its name or an alias after ignoring case, spaces and
punctuation ("Age (y)", "age_years" and "AGE" all find `age`). A unit in brackets is read as a
hint for bare numbers ("Age (months)", "Size (mm)", "Follow-up (years)").
This table also feeds `casefhir template` and docs/data-dictionary.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str  # which normaliser reads it (converter/read/values/parsers.py PARSERS)
    description: str
    accepted: str
    fhir: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    # unit family a header may give (in brackets, "Follow-up (days)", or as a word of the name,
    # "days_to_last_followup"): age | size | months | event (a status column's 1=event)
    units: str | None = None
    # several headers may give this column (e.g. one molecular column per test); their values
    # are read in table order and joined
    repeatable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "case_id", "case_id", "Case identifier, unique within the series.",
        "Any text, e.g. 1, P3, case-12.",
        "Patient.identifier; part of every resource id",
        ("case", "case no", "case number", "case nr", "case #", "patient", "patient id", "patient no",
         "patient number", "pt", "pt no", "id", "no", "nr", "#", "subject", "subject id", "record id",
         "tumor sample barcode", "case submitter id", "participant", "participant id"),
        required=True,
    ),
    Column(
        "age", "age", "Age at diagnosis.",
        "22, 2 y, 3 months, 12-year-old, 54-yr-old, 1 y 6 mo, at birth, newborn, born at term. "
        "Bare numbers are years unless the header says otherwise, e.g. 'Age (months)'. Before "
        "birth (in utero, antenatally, prenatal) and stages of life (infant, child, adult; with a "
        "warning) are kept as text.",
        "Condition(primary).onsetAge (UCUM a, mo, wk, d); at birth onsetRange 0-0 d; words "
        "onsetString",
        ("age years", "age yrs", "age y", "age at diagnosis", "age at dx", "age at presentation",
         "age in years", "age months", "age in months", "age at surgery", "age at initial "
         "diagnosis", "age at diagnosis years"),
        units="age",
    ),
    Column(
        "age_sex", "age_sex", "Age and sex in one cell, as many papers print them.",
        "22/F, 2 y/M, 43F, F/22, 3 mo / male.",
        "as age and sex",
        ("age sex", "age/sex", "sex age", "sex/age", "age gender", "age, sex"),
        units="age",
    ),
    Column(
        "sex", "sex", "Sex as reported.", "F, M, female, male, woman, man, girl, boy, unknown.",
        "Patient.gender", ("gender", "m f", "f m", "sex m f"),
    ),
    Column(
        "diagnosis", "diagnosis", "Final (histological) diagnosis.",
        "NTRK-rearranged spindle cell neoplasm (NTRK-RSCN), infantile fibrosarcoma, ... "
        "Unknown entities keep their text with a warning.",
        "Condition(primary, mCODE PrimaryCancerCondition).code + histology extension",
        ("final diagnosis", "dx", "final dx", "histology", "histologic diagnosis",
         "histological diagnosis", "pathological diagnosis", "pathologic diagnosis", "tumor type",
         "tumour type", "entity", "pathology", "cancer type detailed"),
    ),
    Column(
        "site", "site", "Tumour site, with side and depth if written there.",
        "left thigh, subcutaneous; right forearm (deep); trunk.",
        "Condition(primary).bodySite + laterality qualifier; BodyStructure(mCODE Tumor)",
        ("location", "tumor site", "tumour site", "tumor location", "tumour location", "anatomic site",
         "anatomical site", "primary site", "localisation", "localization", "tumor localization"),
    ),
    Column(
        "laterality", "laterality", "Side of the body.", "left, right, bilateral, midline, L, R.",
        "bodySite laterality qualifier (mCODE)", ("side",),
    ),
    Column(
        "depth", "depth", "Depth of the tumour.",
        "superficial, deep, subcutaneous, intramuscular.",
        "bodySite.text after the site (no code: see docs/mapping.md#sites)",
        ("tumor depth", "tumour depth", "plane", "compartment", "depth superficial deep"),
    ),
    Column(
        "size", "size", "Tumour size, measured as the cell or the header says.",
        "5.4 cm, 75 x 48 mm, 42x37mm, 5 x 4 x 3 cm, 6 x 4 cm (FDG-PET), 3 cm on CT, 7 cm, "
        "specimen. Bare numbers need a unit in the header, e.g. 'Size (cm)'; a header may name "
        "the method ('Size on CT', 'MRI size', 'Pathological size').",
        "Observation(mCODE TumorSize; method only as the cell or header says)",
        ("tumor size", "tumour size", "max size", "maximum size", "max diameter", "maximum diameter",
         "largest dimension", "greatest dimension", "dimensions", "diameter", "size on mri",
         "mri size", "pathological size", "pathologic size", "gross size", "specimen size",
         "clinical size", "radiological size", "radiologic size", "imaging size",
         "size at diagnosis"),
        units="size",
    ),
    Column(
        "fusion", "fusion", "Gene fusions (or rearrangements) found by molecular testing.",
        "TPM3-NTRK1, TPM3::NTRK1, ETV6/NTRK3, NAB2ex6-STAT6ex16, NTRK1 fusion, NTRK3 (partner "
        "not reported), ALK rearrangement, negative. Several per cell, separated by ; or new "
        "lines. A header naming genes (e.g. 'NTRK fusion') says which genes a bare 'negative' or "
        "'positive' is about.",
        "Observation(mCODE GenomicVariant) per finding in DiagnosticReport(mCODE GenomicsReport)",
        ("gene fusion", "gene fusions", "fusion gene", "fusion genes", "fusions", "ntrk fusion",
         "ntrk", "ntrk status", "ntrk rearrangement", "rearrangement", "fusion partner",
         "fusion type", "gene rearrangement", "fusion status", "fusion transcript",
         "translocation", "structural variant", "structural variants"),
        repeatable=True,
    ),
    Column(
        "molecular", "molecular", "Molecular findings of any kind: mutations, fusions, copy "
        "number, negative results; several per cell.",
        "BRAF V600E; KRAS p.G12C; EGFR exon 19 deletion; NM_004333.4:c.1799T>A; EML4-ALK; ERBB2 "
        "amplification; CDKN2A homozygous deletion; ALK-; EGFR wild type; TP53 R273H (VAF 35%). "
        "A header naming a gene (e.g. 'EGFR', 'EGFR mutation', 'KRAS status') makes it that "
        "gene's column: 'L858R', 'wt', 'negative' are then about that gene.",
        "Observation(mCODE GenomicVariant) per finding in DiagnosticReport(mCODE GenomicsReport)",
        ("molecular", "molecular findings", "molecular finding", "molecular result",
         "molecular results", "molecular alteration", "molecular alterations", "molecular testing",
         "molecular profile", "molecular profiling", "molecular features", "molecular analysis",
         "molecular genetics", "molecular genetic findings", "molecular pathology",
         "genetic alteration", "genetic alterations", "genetic findings", "genetics",
         "genomic alteration", "genomic alterations", "genomic findings", "genomic profile",
         "genomic profiling", "gene alteration", "gene alterations", "alteration", "alterations",
         "mutation", "mutations", "mutation status", "mutational status", "mutational profile",
         "gene mutation", "gene mutations", "driver mutation", "driver mutations",
         "driver alteration", "driver alterations", "driver gene", "driver genes",
         "oncogenic driver", "oncogenic drivers", "somatic mutations", "variant", "variants",
         "genetic variant", "genomic variants", "ngs", "ngs result", "ngs results", "ngs findings",
         "sequencing results", "ngs panel results", "biomarker", "biomarkers",
         "molecular biomarkers", "molecular markers", "mutation analysis", "genotype",
         "molecular subtype", "hgvsp short", "hgvsp", "protein change", "amino acid change",
         "aa change"),
        repeatable=True,
    ),
    Column(
        "molecular_method", "fusion_method", "How the molecular findings were found (a finding "
        "whose cell names its own test, e.g. 'ALK rearrangement (FISH)', keeps that one).",
        "NGS, RNA sequencing, targeted RNA NGS, Archer FusionPlex, RT-PCR, karyotyping, FISH.",
        "GenomicVariant.method (LOINC LL4048-6)",
        ("fusion_method", "method", "fusion method", "detection method", "molecular method",
         "assay", "testing method", "molecular assay", "ngs method", "platform",
         "molecular test", "molecular testing method", "test method", "sequencing method",
         "sequencing platform", "genetic testing method", "detection"),
    ),
    Column(
        "pan_trk_ihc", "pan_trk_ihc", "pan-TRK immunohistochemistry.",
        "positive, negative, diffuse positive, focal, +, -.",
        "Observation(mCODE TumorMarkerTest)",
        ("pan trk", "pantrk", "pan trk ihc", "pantrk ihc", "trk ihc", "pan trk immunohistochemistry",
         "ihc pan trk", "pan trk staining"),
    ),
    Column(
        "ihc", "ihc_panel", "Immunohistochemistry: every stain and its result.",
        "CD34+, STAT6+ (nuclear), S100-, SMA focal, Ki-67 15%; diffusely positive for CD34 and "
        "STAT6; negative for S100, SOX10 and desmin; TLE1 (+); H3K27me3 loss; ALK (D5F3) "
        "positive; PD-L1 TPS 60%. Unknown markers keep their text with a warning.",
        "Observation(mCODE TumorMarkerTest) per marker, gene studied = the marker's HGNC gene",
        ("immunohistochemistry", "ihc", "ihc findings", "ihc results", "ihc result", "ihc panel",
         "ihc profile", "ihc staining", "immunoprofile", "immunophenotype", "immunophenotyping",
         "immunohistochemical staining", "immunohistochemical stains", "immunohistochemical findings",
         "immunohistochemical results", "immunohistochemical profile", "immunohistochemistry results",
         "immunohistochemistry findings", "immunostains", "immunostain", "immunostaining",
         "immunohistochemical markers", "ihc markers", "immunoreactivity", "immunomarkers",
         "positive markers", "immunohistochemical analysis", "ihc positive", "ihc stains"),
    ),
    Column(
        "mri_vascularity", "vascularity", "Vascularity on MRI.",
        "high, hypervascular, yes, present, no.",
        "Observation(US Core clinical result, imaging; DCM 111372 Vascularity)",
        ("vascularity", "mri vascularity", "hypervascularity", "vascularity mri", "vascular",
         "high vascularity"),
    ),
    Column(
        "mri_flow_voids", "presence", "Intra- or peritumoral flow voids on MRI.",
        "yes, no, present, absent, prominent, few, +, -.",
        "Observation(US Core clinical result, imaging; casefhir#flow-voids)",
        ("flow voids", "flow void", "mri flow voids", "flowvoids", "signal voids", "flow voids mri"),
    ),
    Column(
        "mri_border", "border", "Tumour border on MRI.",
        "ill-defined, partially ill-defined, poorly defined, well-defined, circumscribed.",
        "Observation(US Core clinical result, imaging; casefhir#tumour-border)",
        ("border", "mri border", "tumor border", "tumour border", "border definition", "boundary",
         "tumor margin mri", "tumour margin mri", "mri margin", "mri margins", "margin on mri",
         "borders", "contour"),
    ),
    Column(
        "mri_fat_infiltration", "presence", "Infiltration into surrounding fat on MRI.",
        "yes, no, present, absent.",
        "Observation(US Core clinical result, imaging; casefhir#fat-infiltration)",
        ("fat infiltration", "infiltration into fat", "infiltration", "fat", "peritumoral fat",
         "infiltration of fat", "fat infiltration mri", "infiltration into surrounding fat"),
    ),
    Column(
        "mri_t1", "signal", "Signal on T1-weighted MRI (relative to muscle).",
        "hyperintense, hypointense, isointense, high, low, intermediate.",
        "Observation(imaging; casefhir#t1-signal)",
        ("t1", "t1 signal", "t1wi", "t1 weighted", "t1 signal intensity", "t1w"),
    ),
    Column(
        "mri_t2", "signal", "Signal on T2-weighted MRI (relative to muscle).",
        "hyperintense, hypointense, isointense, heterogeneous.",
        "Observation(imaging; casefhir#t2-signal)",
        ("t2", "t2 signal", "t2wi", "t2 weighted", "t2 signal intensity", "t2w"),
    ),
    Column(
        "mri_enhancement", "enhancement", "Contrast enhancement pattern on MRI.",
        "heterogeneous, homogeneous.",
        "Observation(imaging; RadLex RID6058 Enhancement pattern)",
        ("enhancement", "contrast enhancement", "gd enhancement", "enhancement pattern",
         "gadolinium enhancement"),
    ),
    Column(
        "imaging_findings", "imaging",
        "Imaging findings in words, each with the modality its header or label states.",
        "Any text; 'CT: lung nodules; MRI: T2 bright' gives two findings. The modality (MRI, CT, "
        "PET/CT, PET, ultrasound, X-ray, endoscopy) comes from a label, else the header "
        "('CT findings', 'US'), else the finding's own words; none when none is stated.",
        "Observation(imaging; LOINC 18782-3, method = the modality).valueString in a "
        "DiagnosticReport per modality",
        ("mri findings", "mri", "imaging findings", "mri description", "imaging", "radiology",
         "mri features", "radiological findings", "radiologic findings", "imaging features",
         "imaging description", "ct findings", "ct scan", "ct description", "pet",
         "pet ct", "pet ct findings", "fdg pet", "fdg pet ct", "us", "us findings", "ultrasound",
         "ultrasound findings", "ultrasonography", "sonography", "x ray", "x ray findings",
         "radiograph", "radiography", "radiographic findings", "endoscopy",
         "endoscopic findings", "endoscopy findings"),
        repeatable=True,
    ),
    Column(
        "preop_diagnosis", "diagnosis", "Preoperative (imaging or clinical) diagnosis.",
        "solitary fibrous tumour, SFT, alveolar soft part sarcoma; empty if none.",
        "Condition(US Core, verificationStatus refuted when it differs from the final diagnosis)",
        ("pre op dx", "preop dx", "preoperative diagnosis", "pre operative diagnosis",
         "pre op diagnosis", "preop diagnosis", "preoperative dx", "clinical diagnosis",
         "imaging diagnosis", "initial diagnosis", "provisional diagnosis", "radiological diagnosis",
         "radiologic diagnosis", "preoperative misdiagnosis", "misdiagnosis", "mri diagnosis"),
    ),
    Column(
        "surgery", "surgery", "Surgery of the primary tumour.",
        "wide excision, marginal resection, amputation, yes, no.",
        "Procedure(mCODE CancerRelatedSurgicalProcedure)",
        ("operation", "surgical procedure", "surgical treatment", "resection", "surgery type",
         "type of surgery", "procedure"),
    ),
    Column(
        "surgery_intent", "surgery_intent", "Intent of the surgery.",
        "curative, palliative, diagnostic. None when not given.",
        "Procedure.extension(mCODE procedure intent)",
        ("intent", "surgical intent", "surgery intent", "treatment intent"),
    ),
    Column(
        "margin", "margin", "Surgical margin.",
        "R0, R1, R2, wide, marginal, intralesional, free, involved.",
        "Observation(US Core lab; SNOMED 395536008 Surgical margin finding)",
        ("margins", "surgical margin", "surgical margins", "resection margin", "resection margins",
         "margin status", "r status", "r classification", "residual tumor", "r"),
    ),
    Column(
        "treatment", "treatments", "Treatments (list, in order): surgery, radiotherapy, drugs, "
        "regimens. Several columns may give them (read left to right); a heading saying "
        "neoadjuvant or adjuvant is kept with each of its items.",
        "crizotinib then resection; RT 3040 cGy/19 fx; larotrectinib; none; separate with , ; + "
        "'then' 'followed by' or 'and'.",
        "MedicationAdministration(mCODE cancer-related); Procedure(mCODE radiotherapy course "
        "summary, mCODE cancer-related surgical procedure, US Core)",
        ("treatments", "other treatment", "other treatments", "adjuvant treatment", "adjuvant therapy",
         "systemic therapy", "therapy", "additional treatment", "additional therapy",
         "chemotherapy radiotherapy", "medical treatment", "targeted therapy", "trk inhibitor",
         "initial treatment", "neoadjuvant therapy", "adjuvant/other therapy"),
        repeatable=True,
    ),
    Column(
        "treatment_response", "response", "Response to the other treatment.",
        "CR, PR, SD, PD, complete response, progression.",
        "Observation(mCODE CancerDiseaseStatus, category treatment-response)",
        ("response", "treatment response", "response to treatment", "best response", "tumor response",
         "response to therapy"),
    ),
    Column(
        "recurrence", "recurrence", "Local recurrence.",
        "yes, no, yes (14 mo), LR at 14 months.",
        "Condition(primary).clinicalStatus; Observation(mCODE CancerDiseaseStatus, worsened)",
        ("local recurrence", "lr", "relapse", "local relapse", "recurrence local"),
    ),
    Column(
        "recurrence_metastasis", "recurrence_metastasis",
        "Recurrence and distant metastasis in one cell, as many papers print them.",
        "Local recurrence; lung metastasis, Recurrence ten months later, none. Each item is "
        "read as what it names; one that names neither ('yes') is left out with a warning.",
        "as recurrence and metastasis",
        ("recurrence/metastasis", "recurrence metastasis", "recurrence or metastasis",
         "recurrence/metastases", "relapse/metastasis", "recurrence and metastasis",
         "local recurrence/metastasis", "recurrence/mets"),
    ),
    Column(
        "recurrence_months", "months", "Months from surgery to local recurrence.",
        "14, 14 mo, 1.5 years.",
        "CancerDiseaseStatus effective (cqf-relativeDateTime offset)",
        ("time to recurrence", "months to recurrence", "recurrence interval", "recurrence months",
         "recurrence time", "time to local recurrence"),
        units="months",
    ),
    Column(
        "metastasis", "metastasis", "Distant metastasis.",
        "yes, no, lung, lung and bone, yes (lung, 24 mo).",
        "Condition(mCODE SecondaryCancerCondition) per site; "
        "Observation(mCODE HistoryOfMetastaticCancer, false) for no",
        ("metastases", "distant metastasis", "distant metastases", "mets", "dm", "metastasis site",
         "metastatic site", "metastatic disease"),
    ),
    Column(
        "metastasis_months", "months", "Months from surgery to distant metastasis.",
        "24, 24 mo, 2 years.", "SecondaryCancerCondition.onset (cqf-relativeDateTime)",
        ("time to metastasis", "months to metastasis", "metastasis months", "metastasis interval"),
        units="months",
    ),
    Column(
        "follow_up_months", "follow_up", "Follow-up to the last contact, from the surgery (else the "
        "diagnosis) or the origin --columns gives (\"from\").",
        "36, 36 mo, 945 days, 3 years, 36+ (censored: alive, no event at the last contact). Bare "
        "numbers are months unless the header says otherwise, e.g. 'Follow-up (days)', "
        "'days_to_last_followup'.",
        "Observation(CancerDiseaseStatus at last follow-up) effective offset; 36+ in its note",
        ("follow up", "followup", "follow up months", "fu", "fu months", "follow up period",
         "duration of follow up", "follow up duration", "length of follow up", "follow up time",
         "months to last follow up", "months to last followup", "time to last follow up",
         "last follow up months"),
        units="months",
    ),
    Column(
        "status", "status", "Status at last follow-up.",
        "NED, AWD, DOD, DOC, alive, dead, alive, no recurrence at 36 mo.",
        "Observation(mCODE CancerDiseaseStatus, category last-follow-up); Patient.deceasedBoolean",
        ("outcome", "status at last follow up", "last status", "oncologic outcome", "vital status",
         "disease status", "current status", "status at follow up", "final status", "outcome status"),
    ),
    Column(
        "os_status", "os_status", "Overall survival status: alive or dead at the last contact.",
        "1:DECEASED, 0:LIVING, dead, alive, UNKNOWN. A bare 1/0 (or yes/no) needs a header that "
        "names the event ('OS event', 'Death') or the unit '1=event' from --columns.",
        "Patient.deceasedBoolean; the status (dead / alive) when no status column gives one",
        ("os status", "overall survival status", "os event", "death", "deceased", "died",
         "death event", "overall survival event"),
        units="event",
    ),
    Column(
        "os_months", "follow_up", "Overall survival: months to death or last contact, from the "
        "diagnosis or the origin --columns gives (\"from\").",
        "24.5, 945 days, 2 years, 24+.",
        "the follow-up time (last follow-up CancerDiseaseStatus) when no follow-up column gives one",
        ("os months", "overall survival months", "overall survival", "os time", "os",
         "overall survival time", "survival months", "months of survival", "survival time"),
        units="months",
    ),
    Column(
        "dfs_status", "event_status", "Disease-free survival status: recurred (or progressed) or "
        "disease-free at the DFS time.",
        "1:Recurred/Progressed, 0:DiseaseFree, recurred, censored. A bare 1/0 (or yes/no) needs "
        "a header that names the event ('DFS event') or the unit '1=event' from --columns.",
        "Observation(mCODE CancerDiseaseStatus, category disease-free-survival) at dfs_months",
        ("dfs status", "disease free survival status", "dfs event", "rfs status", "rfs event",
         "recurrence free survival status", "disease free status"),
        units="event",
    ),
    Column(
        "dfs_months", "follow_up", "Disease-free survival: months to recurrence (or progression) "
        "or to the last contact without it.",
        "14, 14 mo, 420 days.", "the dfs_status observation's effective offset",
        ("dfs months", "disease free survival months", "disease free survival", "dfs",
         "dfs time", "rfs months", "recurrence free survival", "rfs", "rfs time"),
        units="months",
    ),
    Column(
        "pfs_status", "event_status", "Progression-free survival status: progressed or not at "
        "the PFS time.",
        "1:Progressed, 0:Censored, progressed, censored. A bare 1/0 (or yes/no) needs a header "
        "that names the event ('PFS event') or the unit '1=event' from --columns.",
        "Observation(mCODE CancerDiseaseStatus, category progression-free-survival) at pfs_months",
        ("pfs status", "progression free survival status", "pfs event", "progression status"),
        units="event",
    ),
    Column(
        "pfs_months", "follow_up", "Progression-free survival: months to progression or to the "
        "last contact without it.",
        "8, 8 mo, 240 days.", "the pfs_status observation's effective offset",
        ("pfs months", "progression free survival months", "progression free survival", "pfs",
         "pfs time"),
        units="months",
    ),
    Column(
        "stage", "stage", "Stage, TNM categories or extent of the disease.",
        "Stage III, IIIA, stage IV, pT2N0M0, T2bN1M0, cT3N1M0, ypT2N0, pT1a pN0 cM0, pTis, "
        "FIGO IIIC, Stage IIIA (pT2N1M0); "
        "extent and resectability words (inoperable, unresectable, locally advanced, recurrent "
        "after resection, localized, metastatic) are kept as text, never read as a metastasis.",
        "Observation(mCODE CancerStage) for the stage group and each T, N, M category; "
        "Observation(US Core simple observation) for extent words",
        ("tumor stage", "tumour stage", "clinical stage", "pathological stage", "ajcc stage",
         "tnm", "tnm stage", "ptnm", "figo stage", "extent", "disease extent", "resectability"),
    ),
    Column(
        "grade", "grade", "Histologic grade.",
        "FNCLCC 2, grade 3, G2, grade II, low grade, intermediate grade, high grade.",
        "Observation(mCODE HistologicGrade); a level in words coded, a number as text",
        ("histologic grade", "histological grade", "fnclcc grade", "tumor grade", "tumour grade"),
    ),
    Column(
        "notes", "text", "Any other remark about the case.", "Any text.",
        "Condition(primary).note",
        ("note", "comment", "comments", "remarks", "remark", "other"),
    ),
    # ---- other columns papers print (issue 13)
    Column(
        "smoking", "smoking", "Smoking status, and pack-years when given.",
        "never, former, ex-smoker, current, smoker, daily smoker, occasional smoker, light / "
        "heavy cigarette smoker, 30 pack-years, former (40 PY). 'yes', 'no' and 'non-smoker' "
        "(which do not say current, former or never) are kept as text with a warning. Bare "
        "numbers are pack-years only under a pack-years header ('Pack-years').",
        "Observation(US Core Smoking Status; LOINC 72166-2, value SNOMED CT where verified); "
        "pack-years as a component",
        ("smoking status", "smoker", "tobacco", "smoking history", "tobacco use",
         "tobacco smoking history", "tobacco smoking status",
         "tobacco smoking", "tobacco history", "smoking habit", "smoking habits",
         "cigarette smoking", "tobacco status", "smoking behavior", "smoking behaviour",
         "pack years", "pack year", "smoking pack years", "packyears", "tobacco pack years",
         "smoking history pack years", "pack years py", "smoking yes no", "smoker yes no",
         "smoking y n", "smoking history yes no", "tobacco use yes no"),
        units="smoking",
    ),
    Column(
        "ecog", "ecog", "ECOG performance status.",
        "0 to 5: 1, ECOG 1, PS 2, ECOG PS 0. A score outside 0-5 is an error.",
        "Observation(mCODE ECOGPerformanceStatus; LOINC 89247-1, valueInteger)",
        ("ecog ps", "ecog performance status", "ecog status", "ecog score",
         "ecog performance score", "performance status", "ps", "ph ecog", "ecog at diagnosis",
         "baseline ecog", "ecog ps at diagnosis", "ecog performance status ps",
         "performance status ecog", "ps ecog", "ecog ps score"),
    ),
    Column(
        "karnofsky", "karnofsky", "Karnofsky performance status.",
        "0 to 100 in steps of 10: 80, KPS 80, 80%, Karnofsky 70. Another value is an error.",
        "Observation(mCODE KarnofskyPerformanceStatus; LOINC 89243-0, valueInteger)",
        ("kps", "karnofsky performance status", "karnofsky performance score",
         "karnofsky performance scale", "karnofsky score", "karnofsky index", "ph karno",
         "karno", "karnofsky performance status score", "kps score", "baseline kps",
         "karnofsky performance status kps", "performance status kps", "ps kps",
         "performance status karnofsky"),
    ),
    Column(
        "ki67", "ki67", "Ki-67 proliferation index.",
        "15%, 15, <5%, ~30%, 10-20% (a range), high (kept as text), Ki-67 15%, MIB-1 5%.",
        "Observation(mCODE TumorMarkerTest), as a Ki-67 in the ihc column",
        ("ki 67", "ki67 index", "ki 67 index", "ki67 li", "ki 67 li", "ki67 labeling index",
         "ki 67 labeling index", "ki67 labelling index", "ki 67 labelling index",
         "ki67 proliferation index", "ki 67 proliferation index", "mib1", "mib 1",
         "mib1 index", "proliferation index", "ki67 proliferative index", "mib1 labeling index",
         "ki67 positivity", "ki 67 positivity", "ki67 expression", "ki 67 expression",
         "ki67 staining", "ki67 ihc", "ki 67 ihc"),
    ),
    Column(
        "mitotic_count", "mitotic_count", "Mitotic count, with the area it was counted in.",
        "5/10 HPF, 3 per 10 HPF, 12/50 HPF, <1/10HPF, 8 mitoses/10 HPF, 5 per 2 mm2, 4/mm2. "
        "Bare numbers take the area from the header ('Mitoses/10 HPF'); without one they are "
        "read with a warning.",
        "Observation(US Core Lab; casefhir#mitotic-count, valueRatio mitoses / area)",
        # any of these followed by its area is also recognised: "Mitoses/10 HPF", "Mitotic
        # count (per 10 HPFs)", "Mitotic rate per mm²" (area_column)
        ("mitotic count", "mitoses", "mitosis", "mitotic rate", "mitotic index",
         "mitotic activity", "mitotic figures", "mitotic figure", "mitoses per 10 hpf",
         "mitoses per mm2"),
        units="mitotic",
    ),
    Column(
        "reference", "reference", "The publication a literature-review row comes from.",
        "Smith et al. (2019), Smith 2019 [12], 10.1000/xyz, doi:10.1000/xyz, PMID: 31234567 "
        "(a bare number under a PMID header).",
        "DocumentReference(subject the Patient; description the citation, identifier and "
        "attachment URL the DOI / PMID)",
        ("references", "ref", "author", "authors", "author year", "author and year", "citation",
         "source", "doi", "pmid", "pubmed id", "study", "first author", "first author year",
         "publication", "case source", "reported by", "literature", "ref no", "reference no",
         "authors year", "reference author year", "study year", "study reference",
         "author reference", "original report"),
        units="reference",
    ),
)

COLUMNS_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}

UNIT_HINTS: dict[str, dict[str, str]] = {
    # unit family → {word in the header's brackets → normalised unit}
    "age": {"y": "a", "yr": "a", "yrs": "a", "year": "a", "years": "a", "a": "a", "yo": "a",
            "m": "mo", "mo": "mo", "mos": "mo", "month": "mo", "months": "mo",
            "w": "wk", "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk",
            "d": "d", "day": "d", "days": "d"},
    "size": {"mm": "mm", "cm": "cm"},
    "months": {"m": "mo", "mo": "mo", "mos": "mo", "month": "mo", "months": "mo",
               "y": "a", "yr": "a", "yrs": "a", "year": "a", "years": "a",
               "w": "wk", "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk",
               "d": "d", "day": "d", "days": "d"},
    "event": {"1 event": "1=event", "0 event": "0=event"},
    "smoking": {"pack years": "pack-years", "pack-years": "pack-years", "py": "pack-years"},
    "mitotic": {"hpf": "1 HPF", "10 hpf": "10 HPF", "50 hpf": "50 HPF", "mm2": "1 mm2",
                "2 mm2": "2 mm2"},
    "reference": {"pmid": "pmid"},
}

# the words of a header that say a time column's unit wherever they stand ("days_to_last_followup",
# "OS_DAYS"): the header is then read with "months" in their place
TIME_UNIT_WORDS = {"days": "d", "weeks": "wk", "months": "mo", "years": "a"}


def header_unit(column: Column, tokens: list[str]) -> str | None:
    """What the words of a header say of a smoking, mitotic count or reference column's bare
    values: "Pack-years" → pack-years, "Mitoses/10 HPF" → "10 HPF", "PMID" → pmid."""
    words = re.sub(r"(?<=\d)(?=hpf)", " ", " ".join(tokens))  # "10hpf"
    if column.units == "smoking":
        return "pack-years" if re.search(r"\bpack ?years?\b|\bpy\b", words) else None
    if column.units == "mitotic":
        areas = list(re.finditer(r"(?:\b(?P<per>\d+) )?(?P<area>hpfs?|mm2?)\b", words))
        if not areas:
            return None
        found = areas[-1]
        area = "HPF" if found.group("area").startswith("hpf") else "mm2"
        return f"{int(found.group('per') or 1)} {area}"
    if column.units == "reference":
        return "pmid" if {"pmid", "pubmed"} & set(tokens) else None
    return None


AREA_WORDS = {"hpf", "hpfs", "mm2", "mm"}


def area_column(tokens: list[str]) -> Column | None:
    """A mitotic count header that ends with its area in any wording ("Mitoses (per 10 HPFs)",
    "Mitotic index/50 HPF", "Mitotic figures in 2 mm2"): the mitotic_count column, or None."""
    tokens = re.sub(r"(?<=\d)(?=hpf)", " ", " ".join(tokens)).split()  # "10hpf"
    if not tokens or tokens[-1] not in AREA_WORDS:
        return None
    base = tokens[:-1]
    while base and (base[-1].isdigit() or base[-1] in ("per", "in", "x", "every")):
        base = base[:-1]
    column = ALIASES.get(header_key("".join(base))) if base else None
    return column if column is not None and column.units == "mitotic" else None


def header_key(text: str) -> str:
    """How headers and aliases compare: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z#]", "", text.casefold())


def _alias_index() -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in COLUMNS:
        for name in (column.name, *column.aliases):
            key = header_key(name)
            if key in index and index[key] is not column:
                raise ValueError(f"alias {name!r} names both {index[key].name} and {column.name}")
            index[key] = column
    return index


ALIASES: dict[str, Column] = _alias_index()
