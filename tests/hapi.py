"""Real HAPI FHIR servers for the integration tests, started with fhir-server/hapi."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mappings.case import RESOURCE_TYPES as MAPPED_TYPES

ROOT = Path(__file__).resolve().parent.parent
HAPI = ROOT / "fhir-server" / "hapi"


@dataclass
class HapiServer:
    """One server process: in-memory by default, on-disk with `db`. Only this process is ever
    stopped."""

    workdir: Path
    db: Path | None = None
    port: int | None = None
    base: str = ""

    @property
    def pidfile(self) -> Path:
        return self.workdir / "hapi.pid"

    @property
    def log(self) -> Path:
        return self.workdir / "hapi.log"

    def start(self, *server_args: str) -> str:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [str(HAPI), "start", "--pidfile", str(self.pidfile), "--log", str(self.log)]
        if self.port:
            command += ["--port", str(self.port)]
        if self.db:
            command += ["--db", str(self.db)]
        if server_args:
            command += ["--", *server_args]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"HAPI did not start:\n{done.stderr[-4000:]}")
        self.base = done.stdout.strip().splitlines()[-1]
        self.port = int(self.base.split(":")[2].split("/")[0])
        return self.base

    def stop(self) -> None:
        subprocess.run([str(HAPI), "stop", "--pidfile", str(self.pidfile)], capture_output=True)

    def kill(self) -> None:
        """Kill -9 the server (a crash), without a graceful shutdown."""
        pid = int(self.pidfile.read_text().split()[0])
        assert pid > 1
        os.kill(pid, signal.SIGKILL)  # the java process only (never a process group)
        self.pidfile.unlink(missing_ok=True)


def server_resources(base: str, series: str) -> dict[str, dict]:
    """Every resource of a series on the server (found by its series tag), by Type/id."""
    from converter.server.client import FhirClient, ServerConfig

    client = FhirClient(ServerConfig(base))
    found: dict[str, dict] = {}
    for kind in RESOURCE_TYPES:
        url = f"{kind}?_tag=https://casefhir.org/fhir/sid/series|{series}&_count=500"
        while url:
            page = client.request("GET", url, headers=NO_CACHE).json()
            for item in page.get("entry", []):
                resource = item["resource"]
                found[f"{kind}/{resource['id']}"] = resource
            url = next((link["url"] for link in page.get("link", [])
                        if link["relation"] == "next"), "")
            if url.startswith("http"):
                url = "/" + url.split("/", 3)[3]
    client.close()
    return found


def without_server_meta(resource: dict) -> dict:
    """A resource as sent: the server's versionId, lastUpdated and generated source removed."""
    copy = dict(resource)
    meta = {k: v for k, v in copy.get("meta", {}).items() if k not in ("versionId", "lastUpdated")}
    # HAPI appends "#<request id>" to meta.source (or makes one up when there is none)
    source = re.sub(r"#[A-Za-z0-9]{16}$", "", str(meta.pop("source", "")))
    if source:
        meta["source"] = source
    copy["meta"] = meta
    return copy


NO_CACHE = {"Cache-Control": "no-cache"}  # HAPI reuses cached search results otherwise
RESOURCE_TYPES = MAPPED_TYPES  # every type the mappings produce (Provenance included)
