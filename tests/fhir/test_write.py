"""Bundles and writers: streamed output equals whole-document serialisation; atomic commits."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from converter.fhir.bundle import bundle, full_url
from converter.fhir.write import open_writer
from converter.output.diskerrors import OutputError
from converter.output.folder import AtomicDir
from mappings.case import map_record
from tests.conftest import SERIES, record


def cases() -> list[tuple[str, list[dict]]]:
    records = [record(case_id=str(n), age=str(n), fusion="TPM3::NTRK1", mri_flow_voids="yes")
               for n in (1, 2)]
    return [(f"test-series.{r.case_id}", map_record(r)) for r in records]


@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("bundle_type", ["transaction", "batch", "collection"])
def test_streamed_bundle_equals_whole_bundle(tmp_path: Path, pretty: bool,
                                             bundle_type: str) -> None:
    path = tmp_path / "out.json"
    writer = open_writer(str(path), bundle_type, False, SERIES, pretty)
    everything = []
    for key, resources in cases():
        writer.add_case(key, resources)
        everything += resources
    writer.commit()
    whole = bundle(everything, f"test-series-{bundle_type}", bundle_type, SERIES)
    option = orjson.OPT_INDENT_2 if pretty else 0
    assert path.read_bytes() == orjson.dumps(whole, option=option) + b"\n"
    if bundle_type != "collection":
        entry = whole["entry"][0]
        assert entry["request"] == {"method": "PUT", "url": f"Patient/{entry['resource']['id']}"}


def test_full_urls_are_restful_so_type_id_references_resolve_in_the_bundle() -> None:
    resource = {"resourceType": "Patient", "id": "a-1"}
    assert full_url(resource) == "https://casefhir.org/fhir/Patient/a-1"
    assert full_url(resource) != full_url({"resourceType": "Patient", "id": "a-2"})
    # Bundle rule: a relative reference resolves against the base of its entry's fullUrl
    observation = full_url({"resourceType": "Observation", "id": "a-1.size"})
    base = observation.rsplit("/", 2)[0]
    assert f"{base}/Patient/a-1" == full_url(resource)


def test_aborted_writer_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    writer = open_writer(str(path), "transaction", False, SERIES)
    writer.add_case(*cases()[0])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_ndjson_and_per_case_folders(tmp_path: Path) -> None:
    ndjson = open_writer(str(tmp_path / "nd"), "ndjson", False, SERIES)
    per_case = open_writer(str(tmp_path / "pc"), "collection", True, SERIES)
    for key, resources in cases():
        ndjson.add_case(key, resources)
        per_case.add_case(key, resources)
    written = ndjson.commit()
    per_case.commit()
    assert str(tmp_path / "nd" / "Patient.ndjson") in written
    lines = (tmp_path / "nd" / "Patient.ndjson").read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == ["test-series.1", "test-series.2"]
    files = sorted(p.name for p in (tmp_path / "pc").iterdir())
    assert files == [".casefhir-manifest", "test-series.1.json", "test-series.2.json"]
    manifest = orjson.loads((tmp_path / "pc" / ".casefhir-manifest").read_bytes())
    assert manifest["files"] == files[1:] and manifest["complete"] is True
    assert manifest["series"] == SERIES.id and manifest["output"] == "per-case collection"
    doc = orjson.loads((tmp_path / "pc" / "test-series.1.json").read_bytes())
    assert doc["type"] == "collection" and "request" not in doc["entry"][0]


def test_output_folder_replaces_only_casefhir_output(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    first = AtomicDir(str(folder))
    with first.create("old.ndjson") as handle:
        handle.write(b"{}\n")
    first.commit()
    replacement = AtomicDir(str(folder))
    with replacement.create("new.ndjson") as handle:
        handle.write(b"{}\n")
    replacement.commit()
    assert sorted(p.name for p in folder.iterdir()) == [".casefhir-manifest", "new.ndjson"]
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match=r"holds files casefhir did not write \(thesis.docx\)"):
        AtomicDir(str(folder))


def test_missing_output_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        open_writer(str(tmp_path / "no" / "out.json"), "transaction", False, SERIES)


def test_outputs_appear_only_when_published(tmp_path: Path) -> None:
    """finish() writes everything beside the destination, publish() only renames: several
    outputs can be put in place together, or none."""
    bundle = open_writer(str(tmp_path / "out.json"), "transaction", False, SERIES)
    folder = open_writer(str(tmp_path / "nd"), "ndjson", False, SERIES)
    for key, resources in cases():
        bundle.add_case(key, resources)
        folder.add_case(key, resources)
    assert bundle.finish() == [str(tmp_path / "out.json")]
    assert str(tmp_path / "nd" / "Patient.ndjson") in folder.finish()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert all(name.startswith(".casefhir-") and name.endswith(".part") for name in names)
    bundle.publish()
    folder.publish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nd", "out.json"]
    bundle.abort()  # after publishing: nothing to undo
    folder.abort()
    assert (tmp_path / "out.json").stat().st_size > 0 and (tmp_path / "nd").is_dir()


def test_a_staged_report_is_removed_by_abort(tmp_path: Path) -> None:
    from converter.report import Report

    report = Report("convert")
    staged = report.stage(str(tmp_path / "report.json"))
    assert [p.name for p in tmp_path.iterdir()] != ["report.json"]
    staged.abort()
    assert list(tmp_path.iterdir()) == []
    report.write(str(tmp_path / "report.json"))
    assert report.saved and orjson.loads((tmp_path / "report.json").read_bytes())["problems"] == []
