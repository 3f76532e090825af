"""Treatment cells (real ones: tests/read/treatment_sources.md) and treatment responses."""

from __future__ import annotations

import pytest

from converter.read.values.treatments import parse_treatment_response, parse_treatments


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in parse_treatments(text, None, Warnings())]


@pytest.mark.parametrize(("text", "dose", "fractions"), [
    ("RT 3040 cGy/19 fx", 3040, 19),
    ("30 Gy/10 fx", 3000, 10),
    ("3040 cGy in 19 fractions", 3040, 19),
    ("60 Gy", 6000, None),
    ("45,5 Gy in 25 fractions", 4550, 25),
    ("radiotherapy", None, None),
])
def test_radiotherapy_dose_and_fractions_never_split_at_the_slash(
        text: str, dose: int | None, fractions: int | None) -> None:
    (treatment,) = parse_treatments(text, None, Warnings())
    assert (treatment.kind, treatment.text, treatment.dose_cgy, treatment.fractions) == \
        ("radiotherapy", text, dose, fractions)


def test_a_sequence_keeps_its_order_and_kinds() -> None:
    assert kinds("crizotinib then resection") == [("systemic", "crizotinib"),
                                                  ("surgery", "resection")]
    assert kinds("excision followed by radiotherapy and doxorubicin") == [
        ("surgery", "excision"), ("radiotherapy", "radiotherapy"), ("systemic", "doxorubicin")]


def test_surgery_is_no_medication() -> None:
    treatments = parse_treatments("Excision; prostatectomy; radiotherapy", None, Warnings())
    assert [(t.kind, t.key) for t in treatments] == [
        ("surgery", "excision"), ("surgery", None), ("radiotherapy", "radiotherapy")]


def test_real_cells() -> None:
    assert kinds("Surgical excision + elective lymph node dissection; adjuvant high-dose "
                 "interferon alfa-2b; dabrafenib") == [
        ("surgery", "Surgical excision"), ("surgery", "elective lymph node dissection"),
        ("systemic", "adjuvant high-dose interferon alfa-2b"), ("systemic", "dabrafenib")]
    assert kinds("Low anterior resection; adjuvant chemoradiotherapy; 5-FU/leucovorin; "
                 "anti-EGFR therapy; trastuzumab with a chemotherapy backbone") == [
        ("surgery", "Low anterior resection"), ("radiotherapy", "adjuvant chemoradiotherapy"),
        ("systemic", "chemotherapy"),  # the chemoradiotherapy's, unnamed
        ("systemic", "5-FU/leucovorin"), ("systemic", "anti-EGFR therapy"),
        ("systemic", "trastuzumab with a chemotherapy backbone")]
    debulking = parse_treatments("Debulking surgery; chemoradiation (weekly carboplatin + "
                                 "paclitaxel, 70 Gy in 35 fractions); larotrectinib",
                                 None, Warnings())
    assert [(t.kind, t.text, t.concurrent) for t in debulking] == [
        ("surgery", "Debulking surgery", False),
        ("radiotherapy", "chemoradiation (weekly carboplatin + paclitaxel, 70 Gy in 35 fractions)",
         False),
        ("systemic", "weekly carboplatin", True), ("systemic", "paclitaxel", True),
        ("systemic", "larotrectinib", False)]
    assert (debulking[1].dose_cgy, debulking[1].fractions) == (7000, 35)
    assert debulking[3].ncit_code == "C1411"
    assert debulking[4].key == "larotrectinib"
    sirolimus = parse_treatments("Sirolimus + methylprednisone (initial); larotrectinib 100 mg/m2 "
                                 "twice daily; resection after 7 months; larotrectinib continued "
                                 "12 months postoperatively", None, Warnings())
    assert [(t.kind, t.key) for t in sirolimus] == [
        ("systemic", None), ("other", None), ("systemic", "larotrectinib"),
        ("surgery", "excision"), ("systemic", "larotrectinib")]
    assert kinds("Gefitinib (2 weeks)") == [("systemic", "Gefitinib (2 weeks)")]


def test_drugs_named_by_the_gdc_list_without_a_verified_code_are_systemic_without_one() -> None:
    (crizotinib,) = parse_treatments("crizotinib", None, Warnings())
    (alectinib,) = parse_treatments("Alectinib", None, Warnings())
    assert (crizotinib.kind, crizotinib.ncit_code) == ("systemic", None)
    assert (alectinib.kind, alectinib.ncit_code) == ("systemic", None)
    (paclitaxel,) = parse_treatments("paclitaxel", None, Warnings())
    assert (paclitaxel.ncit_code, paclitaxel.ncit_name) == ("C1411", "Paclitaxel")
    (regimen,) = parse_treatments("VAC", None, Warnings())
    assert regimen.kind == "systemic"


def test_other_treatments_keep_their_text_with_a_warning() -> None:
    warnings = Warnings()
    (other,) = parse_treatments("hyperthermia", None, warnings)
    assert (other.kind, other.text) == ("other", "hyperthermia")
    assert warnings == ["'hyperthermia' is not a known treatment (surgery, radiotherapy, drug or "
                        "regimen); kept as text without a code"]
    assert parse_treatments("none", None, Warnings()) == ()


@pytest.mark.parametrize(("text", "key"), [
    ("PR to crizotinib", "partial"),
    ("Responded to larotrectinib; well tolerated", "improved"),
    ("partial response after 3 cycles", "partial"),
    ("CR", "complete"),
])
def test_responses_naming_their_treatment(text: str, key: str) -> None:
    response = parse_treatment_response(text, None, Warnings())
    assert (response.text, response.key) == (text, key)


def statuses(text: str) -> list[tuple[str, str, str]]:
    return [(t.kind, t.status, t.text) for t in parse_treatments(text, None, Warnings())]


def test_a_treatment_the_cell_says_was_not_given_is_not_done() -> None:
    # ewing-lit case 7: the resection was performed, the adjuvant therapies were not
    assert statuses("Resection without adjuvant chemo- or radiotherapy") == [
        ("surgery", "completed", "Resection"),
        ("systemic", "not-done", "without adjuvant chemo- or radiotherapy"),
        ("radiotherapy", "not-done", "without adjuvant chemo- or radiotherapy")]
    assert statuses("Surgery unfeasible") == [("surgery", "not-done", "Surgery unfeasible")]
    assert statuses("Without postoperative radiotherapy") == [
        ("radiotherapy", "not-done", "Without postoperative radiotherapy")]
    assert statuses("declined chemotherapy") == [("systemic", "not-done", "declined chemotherapy")]
    assert statuses("resection not possible") == [("surgery", "not-done", "resection not possible")]
    assert statuses("no adjuvant therapy") == []  # the vocabulary's "none"


def test_words_in_brackets_never_make_a_treatment_not_given() -> None:
    assert statuses("Chemotherapy (no response)") == [
        ("systemic", "completed", "Chemotherapy (no response)")]


def test_a_planned_or_suggested_treatment_is_not_performed() -> None:
    assert statuses("Adjuvant chemotherapy planned") == [
        ("systemic", "planned", "Adjuvant chemotherapy planned")]
    assert statuses("Chemotherapy (no response); amputation suggested") == [
        ("systemic", "completed", "Chemotherapy (no response)"),
        ("surgery", "proposed", "amputation suggested")]
    assert statuses("radiotherapy recommended") == [
        ("radiotherapy", "proposed", "radiotherapy recommended")]


@pytest.mark.parametrize(("text", "drug"), [
    ("crizotinib at relapse", "Crizotinib"),
    ("imatinib 400 mg/day", "Imatinib"),
    ("alectinib 600 mg twice daily", "Alectinib"),
    ("Imatinib mesylate 400 mg once daily for 6 months", "Imatinib Mesylate"),
])
def test_dose_and_other_words_never_hide_a_drug_and_an_uncoded_one_warns(
        text: str, drug: str) -> None:
    warnings = Warnings()
    (treatment,) = parse_treatments(text, None, warnings)
    assert (treatment.kind, treatment.drug, treatment.text) == ("systemic", drug, text)
    assert treatment.ncit_code is None  # not in the shared NCIt copy: no code to verify
    assert len(warnings) == 1 and "no verified code" in warnings[0]


def test_an_unknown_drug_warns() -> None:
    warnings = Warnings()
    (treatment,) = parse_treatments("zorbatinib", None, warnings)
    assert treatment.kind == "systemic" and treatment.key is None
    assert len(warnings) == 1 and "not a drug or regimen casefhir knows" in warnings[0]


@pytest.mark.parametrize(("text", "key", "drug"), [
    ("at recurrence seven cycles of VIDE regimen", "chemotherapy-regimen", "VIDE"),
    ("VAC", "chemotherapy-regimen", "VAC"),
    ("VDC/IE", "chemotherapy-regimen", "VDC/IE"),
    ("6 cycles of neoadjuvant chemotherapy (VAC alternating with IE)", "chemotherapy-regimen",
     "VAC"),
    ("Four cycles of chemotherapy", "chemotherapy", None),
    ("conventional chemotherapy (complications)", "chemotherapy", None),
])
def test_regimens_and_chemotherapy_are_chemotherapy(text: str, key: str,
                                                    drug: str | None) -> None:
    warnings = Warnings()
    (treatment,) = parse_treatments(text, None, warnings)
    assert (treatment.kind, treatment.key, treatment.drug, treatment.text) == (
        "systemic", key, drug, text)
    assert warnings == []


def test_a_heading_saying_when_is_each_items_context() -> None:
    found = parse_treatments("Imatinib; VAC", "Neoadjuvant therapy", Warnings())
    assert [t.context for t in found] == ["Neoadjuvant therapy"] * 2


def test_an_items_own_label_gives_its_context_but_a_colon_in_brackets_does_not() -> None:
    (labelled,) = parse_treatments("Adjuvant therapy: larotrectinib", None, Warnings())
    assert (labelled.text, labelled.context, labelled.key) == (
        "larotrectinib", "Adjuvant therapy", "larotrectinib")
    (bracketed,) = parse_treatments("adjuvant chemotherapy (discontinued: veno-occlusive disease)",
                                    None, Warnings())
    assert (bracketed.kind, bracketed.context) == ("systemic", None)


def test_a_removal_and_an_excisional_biopsy_are_surgery() -> None:
    # synovial-lit case 11, ewing-lit case 4
    assert kinds("Complete removal of the tumor under endoscopic guidance") == [
        ("surgery", "Complete removal of the tumor under endoscopic guidance")]
    assert kinds("Excisional biopsy") == [("surgery", "Excisional biopsy")]


def test_unresectable_is_a_surgery_not_done_and_considered_is_no_plan() -> None:
    assert statuses("Tumour considered unresectable") == [
        ("surgery", "not-done", "Tumour considered unresectable")]
    assert statuses("Inoperable") == [("surgery", "not-done", "Inoperable")]
