"""The examples: golden outputs reproduced byte for byte, and the published cohort figures of
the seed series recomputed from the FHIR output alone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from converter.tables.cohort import cohort
from examples import generated
from tests.conftest import EXAMPLES, ROOT, bundle_resources, run

EXAMPLE_LIST = tomllib.loads((EXAMPLES / "examples.toml").read_text())


@pytest.mark.parametrize("name", sorted(EXAMPLE_LIST))
def test_golden_output_is_reproduced(name: str, tmp_path: Path) -> None:
    example = EXAMPLE_LIST[name]
    out = tmp_path / "out.json"
    result = run("convert", EXAMPLES / example["input"], *example["args"], "--pretty", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == (EXAMPLES / example["output"]).read_bytes(), \
        "output changed; if deliberate, run `python examples/regenerate.py` and review the diff"


def test_published_cohort_figures_from_fhir_alone() -> None:
    """Kobayashi et al. 2023: 3 F / 3 M, mean age 22 (range 2-43), 4 NTRK1 + 2 NTRK3 fusions,
    3 preoperative solitary fibrous tumours, 1 recurrence with metastases, all 6 highly vascular
    with flow voids, 5 with partially ill-defined borders infiltrating fat; vital status not given."""
    figures = cohort(bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json")).to_json()
    assert figures["patients"] == 6
    assert figures["sex"] == {"female": 3, "male": 3}
    age = figures["age_at_diagnosis_years"]
    assert (age["n"], age["mean"], age["min"], age["max"]) == (6, 22.0, 2.0, 43.0)
    assert figures["fusion_genes"] == {"NTRK1": 4, "NTRK3": 2}
    assert figures["preoperative_diagnoses_refuted"] == {"Solitary Fibrous Tumor": 3}
    assert figures["local_recurrence"] == 1
    assert figures["distant_metastasis"] == 1
    assert figures["recurrence_and_metastasis"] == 1
    assert figures["mri_high_vascularity"] == 6
    assert figures["mri_flow_voids"] == 6
    # the paper's borders are all "partially ill-defined": counted as such, never as ill-defined
    assert figures["mri_ill_defined_border"] == 0
    assert figures["mri_partially_ill_defined_border"] == 5
    assert figures["mri_fat_infiltration"] == 5
    assert (figures["deceased"], figures["vital_status_not_reported"]) == (0, 6)


def test_the_recurrent_patient_has_the_ntrk3_fusion() -> None:
    resources = bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json")
    figures = cohort(resources)
    [patient] = figures.recurrence
    variants = [r for r in resources if r["id"].endswith(".fusion")
                and r["subject"]["reference"] == patient]
    genes = [c["valueCodeableConcept"].get("coding", [{}])[0].get("display")
             for c in variants[0]["component"]]
    assert "NTRK3" in genes


def test_messy_example_warns_exactly_for_its_unknown_terms() -> None:
    example = EXAMPLE_LIST["messy-synthetic"]
    result = run("convert", EXAMPLES / example["input"], *example["args"], "-o", "-")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert result.exit_code == 0
    assert len(warnings) == 4
    for text in ("'NTRK'", "FISH", "'spindle cell sarcoma, NOS' read as Sarcoma, NOS",
                 "'none' says no treatment was given"):
        assert any(text in w for w in warnings), text


@pytest.mark.parametrize("path", generated.DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_counts_are_the_goldens(path: Path) -> None:
    text = path.read_text()
    assert generated.rendered(text) == text, \
        "a count differs from the goldens; run `python examples/regenerate.py --counts`"


def test_the_documents_hold_their_generated_counts() -> None:
    """Each README that describes a golden states its counts through a generated part (a part
    deleted would otherwise pass unnoticed)."""
    expected = {EXAMPLES / name / "README.md": [f"counts {name}"] for name in EXAMPLE_LIST}
    expected |= {ROOT / "tests" / "corpus" / "README.md": ["corpus-table"],
                 ROOT / "docs" / "bulk.md": ["steps kobayashi-2023"],
                 ROOT / "docs" / "validation.md": ["goldens"],
                 ROOT / "README.md": ["corpus-coverage"]}
    for path, kinds in expected.items():
        assert generated.parts(path.read_text()) == kinds, path


def test_the_kobayashi_readme_states_the_bundle_size() -> None:
    text = (EXAMPLES / "kobayashi-2023" / "README.md").read_text()
    size = len(bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json"))
    assert f"**{size} resources** for 6 cases" in text


def test_a_typed_count_inside_a_generated_part_is_caught() -> None:
    text = (EXAMPLES / "kobayashi-2023" / "README.md").read_text()
    size = len(bundle_resources(EXAMPLES / "kobayashi-2023" / "bundle.json"))
    tampered = text.replace(f"**{size} resources**", "**70 resources**")
    assert tampered != text
    assert generated.rendered(tampered) == text  # rewritten back; the check above would fail


def test_text_outside_the_markers_is_left_alone() -> None:
    text = ("typed 70 resources\n" + generated.MARKER + "goldens -->stale" + generated.END
            + "\nafter 12")
    out = generated.rendered(text)
    assert out.startswith("typed 70 resources\n") and out.endswith("\nafter 12")
    assert "stale" not in out and generated.golden_totals(None) in out
