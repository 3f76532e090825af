"""The generated narrative (converter/fhir/narrative.py): valid FHIR XHTML on every resource kind,
escaped, deterministic, saying only what the resource says; `convert --no-narrative` leaves it
out; flatten and summary read the same from output with or without it."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from converter.fhir import narrative
from converter.fhir.files import iter_resources
from converter.fhir.narrative import add_narratives, div, escape, with_narrative
from converter.fhir.validate import structure_errors
from mappings.case import map_record
from tests.conftest import EXAMPLES, ROOT, bundle_resources, load, record, run

XHTML = "{http://www.w3.org/1999/xhtml}"
ALLOWED_TAGS = {f"{XHTML}div", f"{XHTML}p", f"{XHTML}b"}  # all the module writes (txt-1)

# A case that makes every kind of resource the mappings make.
EVERY_KIND = {
    "age": "12-year-old", "sex": "girl", "diagnosis": "infantile fibrosarcoma",
    "site": "left thigh", "depth": "deep", "size": "42x37 mm", "fusion": "ETV6::NTRK3",
    "molecular": "BRAF V600E; MDM2 amp", "molecular_method": "NGS",
    "pan_trk_ihc": "diffuse positive", "ihc": "CD34+, S100-, Ki-67 15%",
    "mri_vascularity": "high", "mri_border": "ill-defined", "imaging_findings": "CT: lung nodules",
    "preop_diagnosis": "haemangioma", "surgery": "wide excision", "surgery_intent": "curative",
    "margin": "R0", "treatment": "larotrectinib then RT 3040 cGy/19 fx; amputation suggested",
    "treatment_response": "CR", "recurrence": "yes (14 mo)", "metastasis": "lung (24 mo)",
    "follow_up_months": "30", "status": "AWD", "stage": "Stage IIIA (pT2N1M0)",
    "grade": "FNCLCC 2", "smoking": "former, 30 pack-years", "ecog": "PS 1", "karnofsky": "KPS 80",
    "mitotic_count": "5/10 HPF", "reference": "Smith et al. (2019) doi:10.1000/xyz",
}
# The words the module writes itself: labels, joiners and the data-absent wording.
OWN_WORDS = {word.casefold() for label in (*(lbl for _, lbl in narrative.ELEMENTS),
                                           *narrative.PROFILE_TITLES.values())
             for word in re.findall(r"\w+", label)} | {
    "to", "from", "until", "per", "resources", "yes", "no", "data", "absent", "relative"}


def every_kind() -> list[dict[str, Any]]:
    return add_narratives(map_record(record(**EVERY_KIND)))


def golden_resources() -> Iterator[dict[str, Any]]:
    paths = sorted([*EXAMPLES.glob("*/bundle.json"), *(ROOT / "tests" / "corpus").glob(
        "*/bundle.json")])
    assert paths
    for found in iter_resources([str(p) for p in paths]):
        assert found.resource is not None
        yield found.resource


def check_xhtml(text: dict[str, Any]) -> ET.Element:
    """FHIR's rules for a narrative: status, a well-formed XHTML div of allowed elements only,
    no attributes (the namespace is not one), some text (txt-1, txt-2)."""
    assert text["status"] == "generated"
    assert text["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    root = ET.fromstring(text["div"])
    assert root.tag == f"{XHTML}div"
    for element in root.iter():
        assert element.tag in ALLOWED_TAGS, element.tag
        assert not element.attrib, element.attrib
    assert "".join(root.itertext()).strip()
    return root


def words_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from words_of(item)
    elif isinstance(value, list):
        yield str(len(value))  # a long list of references is given as a count
        for item in value:
            yield from words_of(item)
    elif value is not None:
        yield from re.findall(r"\w+", str(value).casefold() if not isinstance(value, bool)
                              else "")


# ------------------------------------------------------------------ the div itself
def test_escape_writes_what_the_hl7_library_writes_back() -> None:
    assert escape('a <b> & "c" \'d\'') == "a &lt;b&gt; &amp; &quot;c&quot; 'd'"
    assert escape("x\n\t  y\r\nz") == "x y z"
    assert escape("µm ≥ 5 😀") == "µm ≥ 5 &#x1F600;"
    assert escape("bad\x01byte\x0bend") == "bad\ufffdbyte end"  # \x0b is whitespace


def test_a_table_cell_with_markup_is_escaped_text(write_csv: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    cells = '<script>alert("x")</script> & <b>sarcoma</b>'
    source = write_csv([["case_id", "diagnosis", "surgery"], ["1", cells, "R&D <excision>"]])
    out = tmp_path / "out.json"
    assert run("convert", source, "--series-id", "s1", "-o", out, "-q").exit_code == 0
    resources = bundle_resources(out)
    primary = next(r for r in resources if r["id"].endswith(".primary"))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;sarcoma&lt;/b&gt;" \
        in primary["text"]["div"]
    for resource in resources:
        root = check_xhtml(resource["text"])
        assert root.find(f"{XHTML}p/{XHTML}script") is None
        assert not [e for e in root.iter() if e.tag == f"{XHTML}b" and e.text == "sarcoma"]
    assert cells in "".join(check_xhtml(primary["text"]).itertext())
    surgery = next(r for r in resources if r["id"].endswith(".surgery"))
    assert "R&amp;D &lt;excision&gt;" in surgery["text"]["div"]


def test_every_resource_kind_gets_a_div_fhir_resources_accepts() -> None:
    resources = every_kind()
    kinds = {(r["resourceType"], tuple(r.get("meta", {}).get("profile", ()))) for r in resources}
    assert len(kinds) >= 25, sorted(kinds)  # the case really makes (almost) every kind
    for resource in resources:
        assert structure_errors(resource) == [], resource["id"]
        check_xhtml(resource["text"])
        assert list(resource)[:3] == ["resourceType", "id", "meta"]
        assert list(resource)[3] == "text"  # where FHIR JSON puts it


def test_every_claimed_profile_has_its_title() -> None:
    for resource in [*every_kind(), *golden_resources()]:
        for url in resource.get("meta", {}).get("profile", ()):
            if resource["resourceType"] != "Bundle":
                assert url in narrative.PROFILE_TITLES, url
                assert f"<b>{narrative.PROFILE_TITLES[url]}</b>" in resource["text"]["div"]


def test_the_div_says_only_what_the_resource_says() -> None:
    for resource in [*every_kind(), *golden_resources()]:
        if resource["resourceType"] == "Bundle":
            continue
        said = set(re.findall(r"\w+", "".join(ET.fromstring(
            resource["text"]["div"]).itertext()).casefold()))
        bare = {k: v for k, v in resource.items() if k != "text"}
        extra = said - set(words_of(bare)) - OWN_WORDS
        assert not extra, (resource["id"], extra, resource["text"]["div"])


def test_the_div_follows_the_resource() -> None:
    patient = next(r for r in every_kind() if r["resourceType"] == "Patient")
    changed = copy.deepcopy(patient)
    changed["gender"] = "male"
    assert "gender: female" in patient["text"]["div"]
    assert "gender: male" in with_narrative(changed)["text"]["div"]
    assert with_narrative(patient) == patient  # the narrative of a resource with one is itself


def test_a_bundle_gets_no_text() -> None:
    bundle = {"resourceType": "Bundle", "id": "b", "type": "collection", "entry": []}
    assert with_narrative(bundle) is bundle


def test_deterministic() -> None:
    first, second = every_kind(), every_kind()
    assert [r["text"] for r in first] == [r["text"] for r in second]
    bare = [{k: v for k, v in r.items() if k != "text"} for r in first]
    assert [div(r) for r in bare] == [r["text"]["div"] for r in first]


def test_goldens_carry_the_narrative_their_resources_give() -> None:
    for resource in golden_resources():
        if resource["resourceType"] == "Bundle":
            assert "text" not in resource
            continue
        check_xhtml(resource["text"])
        assert resource["text"]["div"] == div(resource), resource["id"]


# ------------------------------------------------------------------ convert --no-narrative
@pytest.mark.parametrize("shape", [(), ("--per-case",), ("-t", "ndjson"), ("-t", "collection")])
def test_no_narrative_leaves_it_out_of_every_output_shape(tmp_path: Path,
                                                          shape: tuple[str, ...]) -> None:
    source = EXAMPLES / "messy-synthetic" / "cases.csv"
    folder = bool(shape) and shape[0] in ("--per-case", "-t") and shape != ("-t", "collection")
    outputs = {}
    for flag in ((), ("--no-narrative",)):
        out = tmp_path / (f"out{len(flag)}" + ("" if folder else ".json"))
        done = run("convert", source, "--series-id", "messy-synthetic", "-o", out, "-q", *shape,
                   *flag)
        assert done.exit_code == 0, done.output
        files = sorted(p for p in out.iterdir() if not p.name.startswith(".")) \
            if folder else [out]
        outputs[bool(flag)] = [f.resource for f in iter_resources([str(p) for p in files])]
    with_text, without = outputs[False], outputs[True]
    assert len(with_text) == len(without) > 0
    for full, bare in zip(with_text, without, strict=True):
        assert full is not None and bare is not None
        assert "text" not in bare
        if full["resourceType"] == "Bundle":
            assert "text" not in full
            continue
        check_xhtml(full["text"])
        assert {k: v for k, v in full.items() if k != "text"} == bare


def test_flatten_and_summary_read_the_same_with_or_without_narrative(tmp_path: Path) -> None:
    source = EXAMPLES / "published-molecular" / "cases.csv"
    read = {}
    for flag in ((), ("--no-narrative",)):
        out = tmp_path / f"out{len(flag)}.json"
        assert run("convert", source, "--series-id", "published-molecular", "-o", out, "-q",
                   *flag).exit_code == 0
        assert ("text" in load(out)["entry"][0]["resource"]) is not bool(flag)
        flat = tmp_path / f"flat{len(flag)}.csv"
        assert run("flatten", out, "-o", flat, "-q").exit_code == 0
        summary = run("summary", out, "--json")
        assert summary.exit_code == 0
        read[bool(flag)] = (flat.read_bytes(), summary.output)
    assert read[False] == read[True]
