"""Property-based: any valid record, in any spelling the vocabularies accept, converts to valid,
deterministic FHIR whose references all resolve."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.pipeline import check_resources
from converter.read.records import SourceRow
from mappings.case import map_record
from mappings.terminology import vocabulary
from mappings.terminology.markers import markers
from tests.conftest import build


def words(name: str) -> st.SearchStrategy[str]:
    choices = sorted({s for e in vocabulary(name).values() for s in (*e.synonyms, e.label)})
    return st.sampled_from(choices)


free_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                    min_size=1, max_size=40).filter(lambda s: s.strip())
case_ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                   min_size=1, max_size=30).filter(lambda s: s.strip() == s and s)
ages = st.one_of(
    st.integers(0, 120).map(str),
    st.tuples(st.integers(1, 11), st.sampled_from(["months", "mo", "m"])).map(
        lambda t: f"{t[0]} {t[1]}"),
    st.integers(1, 99).map(lambda n: f"{n}-year-old"),
    st.just("at birth"),
)
sizes = st.lists(st.integers(1, 300), min_size=1, max_size=3).map(
    lambda dims: " x ".join(map(str, dims)) + " mm")
genes = st.sampled_from(["TPM3", "ETV6", "LMNA", "TPR", "EML4", "NTRK1", "NTRK3", "SQSTM1"])
fusions = st.one_of(
    st.tuples(genes, st.sampled_from(["::", "-", "/"]), st.sampled_from(["NTRK1", "NTRK3"])).map(
        "".join),
    st.sampled_from(["NTRK1 fusion", "NTRK3 (partner not reported)", "negative"]),
)
# IHC panels: names and aliases of the marker table (and one it does not know) with results
marker_names = st.sampled_from(sorted({s for e in markers().values() for s in (e.name, *e.aliases)}
                                      | {"factor XIIIa"}))
ihc_results = st.sampled_from(["+", "-", " positive", " negative", " focal", " (+)", " (-)",
                               " 15%", " ~30%", " <5%", " loss", " retained", " weak", " +/-",
                               " 2+", " (nuclear)", " diffusely positive", ""])
ihc_panels = st.lists(st.tuples(marker_names, ihc_results).map("".join), min_size=1,
                      max_size=5).flatmap(lambda items: st.sampled_from([", ", "; ", "\n"]).map(
                          lambda separator: separator.join(items)))
optional: dict[str, st.SearchStrategy[str]] = {
    "age": ages, "sex": words("sex"), "diagnosis": st.one_of(words("diagnosis"), free_text),
    "site": st.one_of(st.sampled_from(["left thigh, subcutaneous", "right forearm", "trunk"]),
                      free_text),
    "size": sizes, "fusion": fusions, "fusion_method": words("fusion_method"),
    "pan_trk_ihc": words("ihc"), "ihc": ihc_panels, "mri_vascularity": words("vascularity"),
    "mri_flow_voids": words("presence"), "mri_border": words("border"),
    "mri_fat_infiltration": words("presence"), "mri_t1": words("signal"),
    "mri_t2": words("signal"), "mri_enhancement": words("enhancement"),
    "imaging_findings": free_text, "preop_diagnosis": st.one_of(words("diagnosis"), free_text),
    "surgery": words("surgery"), "surgery_intent": words("surgery_intent"),
    "margin": st.one_of(words("margin"), free_text),
    "treatment": st.lists(words("treatment"), max_size=3).map("; ".join),
    "treatment_response": words("response"),
    "recurrence": st.sampled_from(["yes", "no", "yes (14 mo)", "LR", "-"]),
    "metastasis": st.sampled_from(["yes", "no", "lung", "lung and bone (24 mo)", "peritoneum"]),
    "follow_up_months": st.integers(0, 240).map(str),
    "status": words("status"), "notes": free_text,
    # other columns papers print (issue 13)
    "smoking": st.one_of(words("smoking"), st.sampled_from(["yes", "no", "30 pack-years",
                                                            "former, >20 PY"])),
    "ecog": st.integers(0, 5).map(str), "karnofsky": st.integers(0, 10).map(lambda n: str(10 * n)),
    "ki67": st.sampled_from(["15%", "<5%", "10-20%", "high", "0", "100"]),
    "mitotic_count": st.sampled_from(["5/10 HPF", "<1/10HPF", "3 per 2 mm2", "7"]),
    "reference": free_text,
}


@st.composite
def rows(draw: Any) -> dict[str, str]:
    row = {"case_id": draw(case_ids)}
    for column in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        row[column] = draw(optional[column])
    return row


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_valid_records_always_give_valid_deterministic_fhir(row: dict[str, str]) -> None:
    record, problems = build(row)
    assert record is not None, [p.render() for p in problems]
    resources = map_record(record)
    assert check_resources(resources, SourceRow("t.csv", 2, "row")) == []
    assert map_record(build(row)[0]) == resources
    assert resources[0]["resourceType"] == "Patient"
