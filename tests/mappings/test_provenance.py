from dataclasses import replace

from mappings.case import map_record
from tests.conftest import record


def test_provenance_names_row_hash_and_converter_and_targets_every_resource() -> None:
    resources = map_record(record(diagnosis="NTRK-RSCN", fusion="ETV6::NTRK3", surgery="excision"))
    provenance = resources[-1]
    assert provenance["resourceType"] == "Provenance"
    assert provenance["id"] == "test-series.1.provenance"
    assert [t["reference"] for t in provenance["target"]] == [
        f"{r['resourceType']}/{r['id']}" for r in resources[:-1]]
    row, digest = (e["what"]["identifier"] for e in provenance["entity"])
    source = record(diagnosis="NTRK-RSCN").source
    assert source is not None
    assert row["value"] == f"{source.file}#row-{source.row}"
    assert len(digest["value"]) == 64 and all(c in "0123456789abcdef" for c in digest["value"])
    assert provenance["agent"][0]["who"]["display"].startswith("casefhir ")
    assert "recorded" not in provenance  # deterministic: data-absent-reason, not the clock


def test_row_hash_follows_the_cells() -> None:
    first = record(diagnosis="NTRK-RSCN").source
    same = record(diagnosis="NTRK-RSCN").source
    edited = record(diagnosis="NTRK-RSCN ").source
    assert first is not None and same is not None and edited is not None
    assert first.sha256 == same.sha256 != edited.sha256


def test_records_made_in_code_have_no_provenance() -> None:
    built = replace(record(diagnosis="NTRK-RSCN"), source=None)
    assert all(r["resourceType"] != "Provenance" for r in map_record(built))
