"""Reading conformance sources for `casefhir install-profiles` (no server needed)."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from converter.problems import InputError
from converter.server.conformance import InstallReport, read_conformance
from tests.conftest import SHARED, run

US_CORE = SHARED / "fhir-packages" / "hl7.fhir.us.core-6.1.0.tgz"
MCODE = SHARED / "fhir-packages" / "mcode-stu4"


def kinds(paths: list[str]) -> Counter[str]:
    return Counter(c.resource["resourceType"] for c in read_conformance(paths, InstallReport("t")))


def test_npm_package_gives_its_conformance_resources_not_its_examples() -> None:
    report = InstallReport("t")
    items = read_conformance([str(US_CORE)], report)
    found = Counter(c.resource["resourceType"] for c in items)
    # + casefhir's own CodeSystem
    assert found == {"StructureDefinition": 59, "ValueSet": 36, "CodeSystem": 6}
    assert all("/example/" not in c.where.file for c in items)
    assert report.skipped > 0  # SearchParameters, CapabilityStatements, the ImplementationGuide
    # CodeSystems, then ValueSets, then StructureDefinitions
    order = [c.resource["resourceType"] for c in items]
    assert order == sorted(order, key=("CodeSystem", "ValueSet", "StructureDefinition").index)
    assert any(c.key == "CodeSystem/casefhir" for c in items)


def test_folder_and_single_file() -> None:
    assert kinds([str(MCODE)]) == {"StructureDefinition": 46, "CodeSystem": 1}
    one = MCODE / "StructureDefinition-mcode-cancer-patient.json"
    assert kinds([str(one)]) == {"StructureDefinition": 1, "CodeSystem": 1}


def test_a_later_source_overrides_with_a_warning(tmp_path: Path) -> None:
    sd = json.loads((MCODE / "StructureDefinition-mcode-tumor.json").read_text())
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": sd}]}))
    report = InstallReport("t")
    items = read_conformance([str(MCODE), str(bundle)], report)
    assert [c.where.file for c in items if c.key == "StructureDefinition/mcode-tumor"] \
        == [str(bundle)]
    assert len(report.warnings) == 1 and "also comes from" in report.warnings[0].message


def test_unreadable_sources_stop_before_anything_is_sent(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_conformance([str(broken)], InstallReport("t"))
    no_id = tmp_path / "no-id.json"
    no_id.write_text(json.dumps({"resourceType": "ValueSet", "status": "active"}))
    with pytest.raises(InputError, match="without an id"):
        read_conformance([str(no_id)], InstallReport("t"))
    fake = tmp_path / "fake.tgz"
    fake.write_bytes(b"not a tarball")
    with pytest.raises(InputError, match="npm package"):
        read_conformance([str(fake)], InstallReport("t"))
    with pytest.raises(InputError, match="no such file"):
        read_conformance([str(tmp_path / "missing")], InstallReport("t"))


def test_package_members_outside_package_folder_are_ignored(tmp_path: Path) -> None:
    package = tmp_path / "p.tgz"
    with tarfile.open(package, "w:gz") as archive:
        for name, body in [("package/package.json", {"name": "p"}),
                           ("package/ValueSet-a.json", {"resourceType": "ValueSet", "id": "a"}),
                           ("package/example/ValueSet-b.json",
                            {"resourceType": "ValueSet", "id": "b"}),
                           ("package/other/ValueSet-c.json",
                            {"resourceType": "ValueSet", "id": "c"})]:
            data = json.dumps(body).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    items = read_conformance([str(package)], InstallReport("t"))
    assert [c.key for c in items if c.resource["resourceType"] == "ValueSet"] == ["ValueSet/a"]


def test_cli_needs_a_server_and_readable_sources(tmp_path: Path) -> None:
    result = run("install-profiles", str(MCODE))
    assert result.exit_code == 2 and "--server" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("[]")
    # nothing listens on port 9 of the loopback: the source is refused before any request
    result = run("install-profiles", "--server", "http://127.0.0.1:9/fhir", str(broken))
    assert result.exit_code == 1 and "not a FHIR resource" in result.output


def test_validate_checks_a_table_in_memory_without_a_server(tmp_path: Path) -> None:
    table = tmp_path / "cases.csv"
    table.write_text("Case,Age,Sex,Diagnosis\n1,12,F,NTRK-RSCN\n")
    result = run("validate", str(table), "--series-id", "s1")
    assert result.exit_code == 0, result.output
    assert "problems: 0 errors" in result.output
    assert run("validate", str(table)).exit_code == 2  # a table needs --series-id
