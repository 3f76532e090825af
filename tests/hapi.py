"""Real HAPI FHIR servers for the integration tests, started with fhir-server/hapi."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

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
        subprocess.run(["kill", "-9", f"-{pid}"], capture_output=True)
        subprocess.run(["kill", "-9", str(pid)], capture_output=True)
        self.pidfile.unlink(missing_ok=True)
