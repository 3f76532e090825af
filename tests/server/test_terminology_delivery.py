"""The terminology Bundle (`casefhir terminology --bundle`) loads into a real HAPI FHIR server with
`casefhir load`: its CodeSystems are found by their canonical URL, its NamingSystems by the
identifier systems they name, and loading it again changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from converter.server.client import FhirClient, ServerConfig
from tests.conftest import EXAMPLES, bundle_resources, load, run
from tests.hapi import NO_CACHE, HapiServer, without_server_meta


def load_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "converter", "load", *map(str, args)],
                          capture_output=True, text=True, env=dict(os.environ))


def totals(report: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for counts in load(report)["outcomes"].values():
        found.update(counts)
    return found


def test_terminology_bundle_loads_and_reloads_unchanged(hapi: HapiServer, tmp_path: Path) -> None:
    terminology = tmp_path / "terminology.json"
    example = EXAMPLES / "kobayashi-2023" / "bundle.json"
    assert run("terminology", "--bundle", example, "-o", terminology).exit_code == 0
    resources = bundle_resources(terminology)
    report = tmp_path / "report.json"

    first = load_cli(terminology, "--server", hapi.base, "--report", report)
    assert first.returncode == 0, first.stderr
    assert totals(report) == Counter(created=len(resources), updated=0, unchanged=0, failed=0)
    second = load_cli(terminology, "--server", hapi.base, "--report", report)
    assert second.returncode == 0, second.stderr
    assert totals(report) == Counter(created=0, updated=0, unchanged=len(resources), failed=0)

    client = FhirClient(ServerConfig(hapi.base))
    for resource in resources:
        if resource["resourceType"] == "CodeSystem":
            query = f"CodeSystem?url={resource['url']}"
        else:
            query = f"NamingSystem?value:exact={resource['uniqueId'][0]['value']}"
        found = client.request("GET", query, headers=NO_CACHE).json().get("entry", [])
        assert [without_server_meta(e["resource"]) | {"meta": resource.get("meta", {})}
                for e in found] == [resource | {"meta": resource.get("meta", {})}], query
    client.close()
