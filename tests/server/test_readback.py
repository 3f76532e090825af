"""Reading back what the server holds: each outcome proved by the server's state on a real HAPI
server (as sent or not, written by this run or before it, a first live version or not), and the
pure comparisons."""

from __future__ import annotations

from typing import Any

from converter.server.client import FhirClient, ServerConfig
from converter.server.readback import ReadBack, as_sent, request_id
from tests.hapi import HapiServer

SOURCE = "https://doi.org/10.1000/rb"


def patient(rid: str, family: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": rid, "meta": {"source": SOURCE},
            "name": [{"family": family}]}


def test_each_outcome_is_what_the_servers_state_proves(hapi: HapiServer) -> None:
    earlier, this_run = FhirClient(ServerConfig(hapi.base)), FhirClient(ServerConfig(hapi.base))
    try:
        before = {name: patient(f"rb-{name}", "Before") for name in
                  ("kept", "edited", "deleted", "other")}
        for resource in before.values():
            assert earlier.request("PUT", f"Patient/{resource['id']}", resource).status == 201
        assert earlier.request("DELETE", "Patient/rb-deleted").status in (200, 204)
        this_run.capability()  # the run begins
        sent = {"kept": before["kept"], "edited": patient("rb-edited", "After"),
                "deleted": patient("rb-deleted", "Before"), "new": patient("rb-new", "New"),
                "other": patient("rb-other", "Mine"), "missing": patient("rb-missing", "None")}
        for name in ("kept", "edited", "deleted", "new"):
            resource = sent[name]
            assert this_run.request("PUT", f"Patient/{resource['id']}", resource).status in (200,
                                                                                             201)
        assert this_run.server_start is not None
        held = ReadBack(this_run, this_run.server_start).resources(list(sent.values()))
        found = {name: (h.outcome, h.version) for name, h in zip(sent, held, strict=True)}
        assert found == {"kept": ("unchanged", "1"), "edited": ("updated", "2"),
                         "deleted": ("created", "3"), "new": ("created", "1"),
                         "other": ("failed", "1"), "missing": ("failed", None)}
        assert held[4].detail == "the server holds other content (version 1)"
        assert held[5].detail == "the server does not hold it"
    finally:
        earlier.close()
        this_run.close()


def test_a_read_back_that_fails_is_unknown() -> None:
    client = FhirClient(ServerConfig("http://127.0.0.1:9/fhir", max_attempts=1))
    (held,) = ReadBack(client, 0).resources([patient("rb-x", "X")])
    assert held.outcome == "unknown" and "connection refused" in held.detail


def test_content_is_compared_without_the_meta_the_server_manages() -> None:
    sent = patient("p", "A")
    stored = {**sent, "meta": {"versionId": "4", "lastUpdated": "2026-01-01T00:00:00Z",
                               "source": SOURCE + "#abcDEF0123456789"}}
    assert request_id(stored, sent) == "abcDEF0123456789"
    assert as_sent(stored, sent)
    assert not as_sent({**stored, "name": [{"family": "B"}]}, sent)
    bare = {"resourceType": "Patient", "id": "p"}
    assert as_sent({**bare, "meta": {"versionId": "1", "source": "#xyz"}}, bare)
    assert request_id({**bare, "meta": {"source": "#xyz"}}, bare) == "xyz"
    assert request_id(sent, sent) is None  # a server that keeps no request id


def test_without_a_request_id_the_servers_clock_tells_this_runs_writes() -> None:
    client = FhirClient(ServerConfig("http://127.0.0.1:9/fhir"))
    read_back = ReadBack(client, since=1_800_000_000.0)  # 2027-01-15T08:00:00Z
    sent = patient("p", "A")
    at = {"meta": {"source": SOURCE, "lastUpdated": "2027-01-15T08:00:00.5Z"}}
    assert read_back.by_this_run({**sent, **at}, sent)
    at = {"meta": {"source": SOURCE, "lastUpdated": "2027-01-15T07:59:59.9+00:00"}}
    assert not read_back.by_this_run({**sent, **at}, sent)
    ours = {"meta": {"source": f"{SOURCE}#{client.run_id}000001",
                     "lastUpdated": "2000-01-01T00:00:00Z"}}
    assert read_back.by_this_run({**sent, **ours}, sent)  # the request id wins over the clock
