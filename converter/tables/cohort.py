"""Cohort figures a case-series paper reports, recomputed from FHIR resources alone.

The figures are read the way a FHIR client would find them (codes, categories, values), never
from casefhir's ids, so the same questions can be put to any FHIR data built to these profiles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from converter.read.schema import AGE_UNITS
from converter.server.client import search_all
from mappings import profiles
from mappings.terminology import concept, system_url
from mappings.terminology.genes import HGNC_SYSTEM, gene_by_symbol
from mappings.terminology.sequence_ontology import so_coding

Resource = dict[str, Any]


def _has_coding(value: Any, key: str) -> bool:
    wanted = concept(key)
    if not isinstance(value, dict):
        return False
    return any(c.get("system") == wanted.system and c.get("code") == wanted.code
               for c in value.get("coding", []))


def _subject(resource: Resource) -> str | None:
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
    return ref if isinstance(ref, str) else None


def _profiles(resource: Resource) -> list[str]:
    return list(resource.get("meta", {}).get("profile", []))


@dataclass
class Cohort:
    patients: int = 0
    sex: Counter[str] = field(default_factory=Counter)
    ages_years: list[float] = field(default_factory=list)
    fusion_genes: Counter[str] = field(default_factory=Counter)  # NTRK gene → patients
    fusion_negative: int = 0
    preoperative_diagnoses: Counter[str] = field(default_factory=Counter)
    recurrence: set[str] = field(default_factory=set)
    metastasis: set[str] = field(default_factory=set)
    flow_voids: set[str] = field(default_factory=set)
    high_vascularity: set[str] = field(default_factory=set)
    ill_defined_border: set[str] = field(default_factory=set)
    partially_ill_defined_border: set[str] = field(default_factory=set)
    fat_infiltration: set[str] = field(default_factory=set)
    # figure → the subjects whose resources state it at all (yes or no): a figure no resource
    # states is "not reported", never 0 (an absent MRI observation is no "no flow voids")
    reported: dict[str, set[str]] = field(default_factory=dict)
    # Counted over the patients whose vital status is given: a Patient without deceased[x] is
    # neither alive nor dead as far as the table says, so it is counted apart, never as alive.
    deceased: int = 0
    vital_status_not_reported: int = 0

    @property
    def mean_age(self) -> float | None:
        return sum(self.ages_years) / len(self.ages_years) if self.ages_years else None

    def stated_by(self, figure: str) -> set[str]:
        return self.reported.setdefault(figure, set())

    def _stated(self) -> dict[str, set[str]]:
        """Figure → the subjects for whom it is known; recurrence and metastasis is known where
        both are, or where either is known not to have happened."""
        recurrence, metastasis = self.stated_by("local_recurrence"), \
            self.stated_by("distant_metastasis")
        both = (recurrence & metastasis) | (recurrence - self.recurrence) | \
            (metastasis - self.metastasis)
        return {**{f: self.stated_by(f) for f in STATED_FIGURES if f != "recurrence_and_metastasis"},
                "recurrence_and_metastasis": both}

    def to_json(self) -> dict[str, Any]:
        ages = self.ages_years
        counts = {
            "local_recurrence": len(self.recurrence),
            "distant_metastasis": len(self.metastasis),
            "recurrence_and_metastasis": len(self.recurrence & self.metastasis),
            "mri_high_vascularity": len(self.high_vascularity),
            "mri_flow_voids": len(self.flow_voids),
            "mri_ill_defined_border": len(self.ill_defined_border),
            "mri_partially_ill_defined_border": len(self.partially_ill_defined_border),
            "mri_fat_infiltration": len(self.fat_infiltration),
        }
        stated = self._stated()
        figures: dict[str, Any] = {}
        for name, count in counts.items():  # null where no patient's resources state it
            known = len(stated[name])
            figures[name] = count if known else None
            figures[f"{name}_not_reported"] = max(self.patients - known, 0)
        return {
            "patients": self.patients,
            "sex": dict(sorted(self.sex.items())),
            "age_at_diagnosis_years": {
                "n": len(ages),
                "mean": round(self.mean_age, 1) if self.mean_age is not None else None,
                "min": round(min(ages), 2) if ages else None,
                "max": round(max(ages), 2) if ages else None,
            },
            "fusion_genes": dict(sorted(self.fusion_genes.items())),
            "fusion_negative": self.fusion_negative,
            "preoperative_diagnoses_refuted": dict(sorted(self.preoperative_diagnoses.items())),
            **figures,
            "deceased": self.deceased,
            "vital_status_not_reported": self.vital_status_not_reported,
        }


# the figures counted over the patients whose resources state them (yes or no)
STATED_FIGURES = ("local_recurrence", "distant_metastasis", "recurrence_and_metastasis",
                  "mri_high_vascularity", "mri_flow_voids", "mri_ill_defined_border",
                  "mri_partially_ill_defined_border", "mri_fat_infiltration")


def _counted(result: Cohort, figure: str) -> set[str]:
    """The subjects a figure counts (each is also a subject that states it)."""
    return {"local_recurrence": result.recurrence, "distant_metastasis": result.metastasis,
            "mri_high_vascularity": result.high_vascularity, "mri_flow_voids": result.flow_voids,
            "mri_ill_defined_border": result.ill_defined_border,
            "mri_partially_ill_defined_border": result.partially_ill_defined_border,
            "mri_fat_infiltration": result.fat_infiltration}[figure]


_NTRK = {"NTRK1", "NTRK2", "NTRK3"}


def _is_fusion(observation: Resource) -> bool:
    """A fusion finding (DNA change type gene_fusion), detected or not."""
    fusion = so_coding("gene_fusion")["code"]
    return any(coding.get("code") == fusion
               for component in observation.get("component", [])
               if _has_coding(component.get("code"), "dna-change-type")
               for coding in component.get("valueCodeableConcept", {}).get("coding", []))


def onset_years(condition: Resource) -> float | None:
    """Age at onset in years: `onsetAge`, or a point `onsetRange` (how an age of 0 is sent)."""
    age = condition.get("onsetAge")
    if age is None:
        low, high = (condition.get("onsetRange") or {}).get("low"), \
            (condition.get("onsetRange") or {}).get("high")
        age = low if low is not None and low == high else None
    if not isinstance(age, dict) or age.get("code") not in AGE_UNITS:
        return None
    return float(age["value"]) * AGE_UNITS[age["code"]][1]


def _gene_symbols(observation: Resource) -> list[str]:
    symbols = []
    for component in observation.get("component", []):
        if not _has_coding(component.get("code"), "gene-studied"):
            continue
        value = component.get("valueCodeableConcept", {})
        names = [c.get("display") for c in value.get("coding", [])] + [value.get("text")]
        symbols += [n.upper() for n in names if isinstance(n, str)]
    return symbols


def count_vital_status(result: Cohort, patient: Resource) -> None:
    """deceasedBoolean true or a deceasedDateTime: deceased; deceasedBoolean false: alive; no
    deceased[x]: the vital status is not reported."""
    if patient.get("deceasedBoolean") is True or "deceasedDateTime" in patient:
        result.deceased += 1
    elif patient.get("deceasedBoolean") is not False:
        result.vital_status_not_reported += 1


def stated_text(data: dict[str, Any], figure: str) -> str:
    """"1 of 4 (not reported for 2)"; "not reported" when no patient's resources state it."""
    count, unknown = data[figure], data[f"{figure}_not_reported"]
    if count is None:
        return "not reported"
    text = f"{count} of {data['patients'] - unknown}"
    return f"{text} (not reported for {unknown})" if unknown else text


def deceased_text(data: dict[str, Any]) -> str:
    """"2 of 5 (vital status not reported for 1)"; "not reported" when no patient has one."""
    unknown = data["vital_status_not_reported"]
    known = data["patients"] - unknown
    if known <= 0:
        return "not reported"
    text = f"{data['deceased']} of {known}"
    return f"{text} (vital status not reported for {unknown})" if unknown else text


def cohort(resources: Iterable[Resource]) -> Cohort:
    result = Cohort()
    for r in resources:
        kind = r.get("resourceType")
        subject = _subject(r) or ""
        code = r.get("code", {})
        value = r.get("valueCodeableConcept")
        if kind == "Patient":
            result.patients += 1
            result.sex[r.get("gender", "unknown")] += 1
            count_vital_status(result, r)
        elif kind == "Condition":
            if profiles.PRIMARY_CANCER_CONDITION in _profiles(r):
                years = onset_years(r)
                if years is not None:
                    result.ages_years.append(years)
            elif profiles.SECONDARY_CANCER_CONDITION in _profiles(r):
                result.metastasis.add(subject)
                result.stated_by("distant_metastasis").add(subject)
            elif _has_coding(r.get("verificationStatus"), "ver-refuted"):
                names = [c.get("display") for c in code.get("coding", [])] or [code.get("text")]
                result.preoperative_diagnoses[str(names[0])] += 1
        elif kind == "Observation":
            if _has_coding(code, "genetic-variant-assessment") and _is_fusion(r):
                if _has_coding(value, "loinc-present"):
                    for gene in sorted(set(_gene_symbols(r)) & _NTRK):
                        result.fusion_genes[gene] += 1
                elif _has_coding(value, "loinc-absent"):
                    result.fusion_negative += 1
            elif any(_has_coding(c, "status-local-recurrence") for c in r.get("category", [])):
                result.stated_by("local_recurrence").add(subject)
                if _has_coding(value, "condition-worsened"):  # else "no local recurrence"
                    result.recurrence.add(subject)
            elif _has_coding(code, "history-of-metastatic-malignant-neoplasm"):
                result.stated_by("distant_metastasis").add(subject)  # "no metastasis"
            else:
                _count_imaging(result, r, subject)
    return result


# an imaging observation's code → the figures it states, and the value each counts
_IMAGING = {
    "flow-voids": (("mri_flow_voids", "present"),),
    "vascularity": (("mri_high_vascularity", "vascularity-present"),),
    "tumour-border": (("mri_ill_defined_border", "poorly-defined"),
                      ("mri_partially_ill_defined_border", "partially-ill-defined")),
    "fat-infiltration": (("mri_fat_infiltration", "present"),),
}


def _count_imaging(result: Cohort, observation: Resource, subject: str) -> None:
    code, value = observation.get("code", {}), observation.get("valueCodeableConcept")
    for key, figures in _IMAGING.items():
        if _has_coding(code, key):
            for figure, counted in figures:
                result.stated_by(figure).add(subject)
                if _has_coding(value, counted):
                    _counted(result, figure).add(subject)


def render_table(data: dict[str, Any]) -> str:
    age = data["age_at_diagnosis_years"]
    rows = [
        ("patients", str(data["patients"])),
        ("sex", ", ".join(f"{k} {v}" for k, v in data["sex"].items()) or "-"),
        ("age at diagnosis (years)",
         f"mean {age['mean']}, range {age['min']}-{age['max']} (n={age['n']})" if age["n"] else "-"),
        ("gene fusions", ", ".join(f"{k} {v}" for k, v in data["fusion_genes"].items()) or "-"),
        ("no fusion detected", str(data["fusion_negative"])),
        ("preoperative diagnosis (refuted)",
         ", ".join(f"{k} {v}" for k, v in data["preoperative_diagnoses_refuted"].items()) or "-"),
        ("local recurrence", stated_text(data, "local_recurrence")),
        ("distant metastasis", stated_text(data, "distant_metastasis")),
        ("recurrence and metastasis", stated_text(data, "recurrence_and_metastasis")),
        ("MRI high vascularity", stated_text(data, "mri_high_vascularity")),
        ("MRI flow voids", stated_text(data, "mri_flow_voids")),
        ("MRI ill-defined border", stated_text(data, "mri_ill_defined_border")),
        ("MRI partially ill-defined border",
         stated_text(data, "mri_partially_ill_defined_border")),
        ("MRI fat infiltration", stated_text(data, "mri_fat_infiltration")),
        ("deceased", deceased_text(data)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


# ------------------------------------------------------------------------------ on a server
@dataclass(frozen=True)
class Query:
    """One FHIR search behind one cohort figure. `search` is relative to the base URL; the
    series tag is added when a series is given."""

    figure: str
    search: str
    read: str  # "count": the search total; "subjects": distinct subjects; "ages"; "names";
    # "vital": each Patient's deceased[x]


def _token(key: str) -> str:
    c = concept(key)
    return f"{c.system}|{c.code}"


def _gene_token(symbol: str) -> str:
    entry = gene_by_symbol(symbol)
    assert entry is not None, symbol
    return f"{HGNC_SYSTEM}|{entry.hgnc_id}"


def server_queries() -> list[Query]:
    status = "http://loinc.org|97509-4"
    variant = f"code={_token('genetic-variant-assessment')}"
    gene_fusion = so_coding("gene_fusion")
    fusion = f"{gene_fusion['system']}|{gene_fusion['code']}"
    return [
        Query("patients", "Patient?_summary=count", "count"),
        *(Query(f"sex:{g}", f"Patient?gender={g}&_summary=count", "count")
          for g in ("female", "male", "other", "unknown")),
        Query("age", f"Condition?_profile={profiles.PRIMARY_CANCER_CONDITION}"
                     "&_elements=onset,subject", "ages"),
        *(Query(f"fusion:{gene}", f"Observation?{variant}&value-concept="
                                  f"{_token('loinc-present')}&component-value-concept="
                                  f"{_gene_token(gene)}&component-value-concept={fusion}",
                "subjects")
          for gene in sorted(_NTRK)),
        Query("fusion_negative", f"Observation?{variant}&value-concept="
                                 f"{_token('loinc-absent')}&component-value-concept={fusion}",
              "subjects"),
        Query("preoperative", "Condition?verification-status="
                              f"{_token('ver-refuted')}&_elements=code,subject", "names"),
        Query("recurrence", f"Observation?code={status}&category="
                            f"{_token('status-local-recurrence')}&value-concept="
                            f"{_token('condition-worsened')}", "subjects"),
        Query("metastasis", f"Condition?_profile={profiles.SECONDARY_CANCER_CONDITION}",
              "subjects"),
        Query("vascularity", f"Observation?code={_token('vascularity')}&value-concept="
                             f"{_token('vascularity-present')}", "subjects"),
        Query("flow_voids", f"Observation?code={_token('flow-voids')}&value-concept="
                            f"{_token('present')}", "subjects"),
        Query("ill_defined", f"Observation?code={_token('tumour-border')}&value-concept="
                             f"{_token('poorly-defined')}", "subjects"),
        Query("partially_ill_defined", f"Observation?code={_token('tumour-border')}"
                                       f"&value-concept={_token('partially-ill-defined')}",
              "subjects"),
        Query("fat", f"Observation?code={_token('fat-infiltration')}&value-concept="
                     f"{_token('present')}", "subjects"),
        # who is reported at all, yes or no (a figure nobody's resources state is "not reported")
        Query("stated:local_recurrence", f"Observation?code={status}&category="
                                         f"{_token('status-local-recurrence')}", "subjects"),
        Query("stated:distant_metastasis", "Observation?code="
              f"{_token('history-of-metastatic-malignant-neoplasm')}", "subjects"),
        *(Query(f"stated:{key}", f"Observation?code={_token(key)}", "subjects")
          for key in _IMAGING),
        # every Patient's deceased[x] (a search on `deceased` cannot tell "alive" from "not
        # reported": its expression is false for both)
        Query("vital_status", "Patient?_elements=deceased", "vital"),
    ]


# the server figures whose "yes" resources state the figure without a "stated:" query finding
# them (a SecondaryCancerCondition is no HistoryOfMetastaticCancer observation)
STATED_BY_A_YES = {"recurrence": "local_recurrence", "metastasis": "distant_metastasis"}


def server_cohort(client: Any, series: str | None = None) -> Cohort:
    """The cohort figures from FHIR searches against a server (see server_queries)."""
    from urllib.parse import quote

    tag = f"&_tag={quote(system_url('casefhir-series'), safe=':/')}|{series}" if series else ""
    result = Cohort()
    for query in server_queries():
        search = (query.search + tag).replace("|", "%7C")
        if query.read == "count":
            response = client.request("GET", search, headers={"Cache-Control": "no-cache"})
            total = int((response.json() or {}).get("total", 0))
            if query.figure == "patients":
                result.patients = total
            elif total:
                result.sex[query.figure.split(":")[1]] = total
            continue
        found = list(search_all(client, search))
        subjects = {str(_subject(r)) for r in found}
        if query.read == "vital":
            for patient in found:
                count_vital_status(result, patient)
        elif query.read == "ages":
            result.ages_years += [y for y in map(onset_years, found) if y is not None]
        elif query.read == "names":
            for r in found:
                code = r.get("code", {})
                names = [c.get("display") for c in code.get("coding", [])] or [code.get("text")]
                result.preoperative_diagnoses[str(names[0])] += 1
        elif query.figure.startswith("fusion:"):
            if subjects:  # as from files: only the genes some patient has
                result.fusion_genes[query.figure.split(":")[1]] = len(subjects)
        elif query.figure == "fusion_negative":
            result.fusion_negative = len(subjects)
        elif query.figure.startswith("stated:"):
            stated = query.figure.split(":")[1]
            for figure in [f for f, _ in _IMAGING[stated]] if stated in _IMAGING else [stated]:
                result.stated_by(figure).update(subjects)
        else:
            target = {"recurrence": result.recurrence, "metastasis": result.metastasis,
                      "vascularity": result.high_vascularity, "flow_voids": result.flow_voids,
                      "ill_defined": result.ill_defined_border,
                      "partially_ill_defined": result.partially_ill_defined_border,
                      "fat": result.fat_infiltration}[query.figure]
            target.update(subjects)
            if query.figure in STATED_BY_A_YES:  # a metastasis Condition states the figure too
                result.stated_by(STATED_BY_A_YES[query.figure]).update(subjects)
    return result
