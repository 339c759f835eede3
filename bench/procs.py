"""Child processes: pinned, with a raised open-file limit, talked to in JSON lines."""

from __future__ import annotations

import json
import os
import queue
import resource
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from bench.common import NOFILE, PY, ROOT

TICKS = os.sysconf("SC_CLK_TCK")


def raise_nofile() -> str:
    """Raise RLIMIT_NOFILE here; every child inherits it. Returns what was set."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, max(hard, NOFILE)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return str(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def pinned(core: str, argv: list[str]) -> list[str]:
    """`taskset -c CORE argv` (taskset execs, so the pid stays the program's)."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", core, *argv]
    return argv


# A fixed pure-Python workload: what one core of this machine does today, in the units the
# server spends (the interpreter), so runs on different machines, or on one machine on a
# slower day, can be set side by side.
_CORE_LOOP = (
    "import time\nt = time.perf_counter()\ns = 0\n"
    "for i in range(5_000_000):\n    s += i\nprint(time.perf_counter() - t)"
)


def core_speed(core: str, tries: int = 3) -> float:
    """Milliseconds the fixed loop takes on `core`, the best of `tries` runs."""
    runs = [
        float(
            subprocess.run(
                pinned(core, [PY, "-c", _CORE_LOOP]), capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(tries)
    ]
    return min(runs) * 1000


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def all_processes() -> dict[int, tuple[str, float]]:
    """pid -> (command name, user + system CPU seconds) for every process now."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        fields = text.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / TICKS, steal / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_port(port: int, proc: subprocess.Popen[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def established(port: int) -> int:
    """Established TCP connections whose local port is `port` (server side)."""
    count = 0
    hex_port = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[1].endswith(hex_port) and parts[3] == "01":
                count += 1
    return count


class Process:
    """A pinned child whose output goes to a log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        core: str | None,
        env: dict[str, str] | None,
        log: Path,
        stdin: int | None = subprocess.DEVNULL,
        stdout: int | IO[str] | None = None,
    ) -> None:
        self.name = name
        self.argv = pinned(core, argv) if core is not None else argv
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = log.open("a")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=env,
            stdin=stdin,
            stdout=self.log_file if stdout is None else stdout,
            stderr=self.log_file,
            text=True,
        )
        self.pid = self.proc.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_kib(self.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 5) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


class Child(Process):
    """A child that takes JSON commands on stdin and answers one JSON line each."""

    def __init__(
        self,
        name: str,
        module: str,
        args: list[str],
        *,
        core: str | None,
        env: dict[str, str] | None,
        log: Path,
        ready_timeout: float = 60,
    ) -> None:
        super().__init__(
            name,
            [PY, "-m", module, *args],
            core=core,
            env=env,
            log=log,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.hello = self.receive(ready_timeout)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.name}: no answer in {timeout} s") from None
        if line is None:
            raise RuntimeError(f"{self.name} exited ({self.proc.poll()}); see {self.log_file.name}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def call(self, cmd: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        self.send(cmd)
        return self.receive(timeout)

    def stop(self, grace: float = 5) -> None:
        if self.proc.poll() is None:
            try:
                self.send({"cmd": "exit"})
                self.proc.wait(grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop(grace)
