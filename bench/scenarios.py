"""The scenarios of issue 3: fan-out ramp (with memory), connection burst, two processes."""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import time
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    BENCH,
    CLIENT_CORE,
    HOST,
    PORT_BASELINE,
    PORT_NGINX,
    PORT_OURS,
    PORT_OURS_2,
    SERVER_CORE,
    SUBPROTOCOL,
    django_env,
    server_command,
)
from bench.procs import (
    Child,
    Process,
    all_processes,
    established,
    machine_cpu,
    port_free,
    wait_port,
)

SATURATED = 0.90  # a client process above this share of a core makes a step INVALID
NOISY = 0.25  # cores used by other processes during a step (see `foreign_cpu`)
SYSTEM_UNDER_TEST = {"postgres", "redis-server", "nginx"}  # ours goes through these


# Settings --------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one invocation measures; `full()` is `python -m bench`, `quick()` the smoke set."""

    fanout_n: list[int]
    rates: list[float]
    durations: dict[float, float]
    target_n: int
    target_rate: float
    target_duration: float
    rounds: int
    mem_n0: int
    burst_n: int
    burst_rate: float
    two_n: int
    two_rate: float
    two_duration: float
    drain_max: float = 5.0
    settle: float = 2.0
    connect_concurrency: int = 64

    @classmethod
    def full(cls) -> Plan:
        return cls(
            fanout_n=[300, 1000, 3000],
            rates=[0.5, 2.0, 8.0, 16.0],
            durations={0.5: 8.0, 2.0: 6.0, 8.0: 5.0, 16.0: 4.0},
            target_n=3000,
            target_rate=2.0,
            target_duration=15.0,
            rounds=3,
            mem_n0=100,
            burst_n=3000,
            burst_rate=200.0,
            two_n=6000,
            two_rate=2.0,
            two_duration=8.0,
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            fanout_n=[300, 1000],
            rates=[2.0, 8.0],
            durations={2.0: 4.0, 8.0: 3.0},
            target_n=1000,
            target_rate=2.0,
            target_duration=5.0,
            rounds=1,
            mem_n0=100,
            burst_n=1000,
            burst_rate=200.0,
            two_n=1000,
            two_rate=2.0,
            two_duration=4.0,
            settle=1.0,
        )

    def duration(self, n: int, rate: float) -> float:
        if n == self.target_n and rate == self.target_rate:
            return self.target_duration
        return self.durations[rate]


@dataclass
class Step:
    """One (server, N, rate, round) measurement; latencies in ms."""

    scenario: str
    server: str
    n: int
    rate: float
    round: int
    connected: int
    events: int
    expected: int
    received: int
    reach: float
    p50: float | None
    p99: float | None
    max: float | None
    wire_p50: float | None
    wire_p99: float | None
    wire_max: float | None
    client_cpu: float
    server_cpu: float
    order_errors: int
    closes: dict[str, int] = field(default_factory=dict)
    publish_late_max: float = 0.0
    # Cores used during the step by processes that are not part of the measurement (for
    # the baseline PostgreSQL and Redis count; for ours they are the system under test),
    # the top three of them, kernel time not charged to any process (softirq: mostly the
    # loopback traffic itself) and the VM's steal time. A noisy step is flagged, not dropped.
    other_cpu: float = 0.0
    other_top: list[str] = field(default_factory=list)
    kernel_cpu: float = 0.0
    steal: float = 0.0
    # The three events with the latest delivery: [seq, max receipt ms, max arrival ms].
    worst_events: list[list[float]] = field(default_factory=list)
    # The step's first event, which is counted in it (no warm-up): [seq, max receipt ms,
    # max arrival ms]; a cold path on the first event shows here first.
    first_event: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def noisy(self) -> bool:
        return self.other_cpu > NOISY

    @property
    def valid(self) -> bool:
        return self.client_cpu <= SATURATED

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "valid": self.valid, "noisy": self.noisy}


def percentile(ordered: list[float], q: float) -> float:
    """Exact nearest-rank percentile of sorted samples."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def ms(value: float) -> float:
    return round(value * 1000, 2)


# Servers ---------------------------------------------------------------------------------


class Bench:
    """The run: where files go, the fixtures, and every process started (to stop them all)."""

    def __init__(self, out: Path, board: int, token: str, plan: Plan) -> None:
        self.out = out
        self.logs = out / "logs"
        self.samples = out / "samples"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.samples.mkdir(parents=True, exist_ok=True)
        self.stream = f"board.{board}"
        self.token = token
        self.plan = plan
        self.started: list[Process] = []
        self._publisher: Child | None = None
        self.pad: int | None = None

    def track(self, proc: Process) -> Process:
        self.started.append(proc)
        return proc

    def stop(self, proc: Process) -> None:
        proc.stop()
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop(grace=2)
        self.started.clear()
        self._publisher = None

    @property
    def publisher(self) -> Child:
        if self._publisher is None or not self._publisher.alive():
            child = Child(
                "publisher",
                "bench.publisher",
                [self.stream],
                core=CLIENT_CORE,
                env=django_env(),
                log=self.logs / "publisher.log",
            )
            self.track(child)
            self._publisher = child
            self.pad = int(child.hello["pad"])
        return self._publisher

    def clients(self, name: str) -> Child:
        child = Child(
            name, "bench.clients", [], core=CLIENT_CORE, env=None, log=self.logs / f"{name}.log"
        )
        self.track(child)
        return child

    def protocols(self) -> list[str]:
        return [SUBPROTOCOL, f"token.{self.token}"]


class Server:
    name = ""
    port = 0

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.procs: list[Process] = []

    def start(self) -> None:
        raise NotImplementedError

    def publish(self, rate: float, duration: float) -> dict[str, Any]:
        raise NotImplementedError

    def cpu(self) -> float:
        return sum(p.cpu() for p in self.procs)

    def rss(self) -> int:
        return self.procs[0].rss()

    def stop(self) -> None:
        for proc in self.procs:
            self.bench.stop(proc)
        self.procs.clear()


class Ours(Server):
    name = "ours"

    def __init__(self, bench: Bench, port: int = PORT_OURS) -> None:
        super().__init__(bench)
        self.port = port

    def start(self) -> None:
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken; is an earlier bench still running?")
        proc = Process(
            f"ours-{self.port}",
            server_command(self.port),
            core=SERVER_CORE,
            env=django_env(),
            log=self.bench.logs / f"ours-{self.port}.log",
        )
        self.procs.append(self.bench.track(proc))
        wait_port(self.port, proc.proc)

    def publish(self, rate: float, duration: float) -> dict[str, Any]:
        return self.bench.publisher.call(
            {"cmd": "run", "rate": rate, "duration": duration}, timeout=duration + 60
        )


class Baseline(Server):
    name = "baseline"
    port = PORT_BASELINE

    def start(self) -> None:
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken; is an earlier bench still running?")
        child = Child(
            "baseline",
            "bench.baseline",
            [str(self.port), self.bench.stream],
            core=SERVER_CORE,
            env=None,
            log=self.bench.logs / "baseline.log",
        )
        self.procs.append(self.bench.track(child))

    def publish(self, rate: float, duration: float) -> dict[str, Any]:
        child = self.procs[0]
        assert isinstance(child, Child)
        return child.call({"cmd": "run", "rate": rate, "duration": duration}, timeout=duration + 60)


def make_server(bench: Bench, name: str) -> Server:
    return Ours(bench) if name == "ours" else Baseline(bench)


# Measuring -------------------------------------------------------------------------------


def connect(
    bench: Bench,
    clients: list[Child],
    port: int,
    n: int,
    *,
    rate: float | None = None,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """Open n connections spread over the client processes (sent at once, run in parallel)."""
    share = [n // len(clients) + (1 if i < n % len(clients) else 0) for i in range(len(clients))]
    for client, count in zip(clients, share, strict=True):
        client.send(
            {
                "cmd": "connect",
                "host": HOST,
                "port": port,
                "n": count,
                "stream": bench.stream,
                "protocols": bench.protocols(),
                "rate": rate / len(clients) if rate else None,
                "concurrency": concurrency
                or max(1, bench.plan.connect_concurrency // len(clients)),
                "timeout": 60,
            }
        )
    answers = [client.receive(timeout=600) for client in clients]
    kinds: dict[str, int] = {}
    for answer in answers:
        for kind, count in answer["error_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    return {
        "ok": sum(a["ok"] for a in answers),
        "errors": sum(a["errors"] for a in answers),
        "error_kinds": kinds,
        "elapsed": max(a["elapsed"] for a in answers),
        "handshake_p50": max((a["handshake_p50"] or 0) for a in answers),
        "handshake_max": max((a["handshake_max"] or 0) for a in answers),
    }


def measure(
    bench: Bench,
    server: Server,
    clients: list[Child],
    connected: int,
    rate: float,
    duration: float,
    *,
    scenario: str,
    n: int,
    round_no: int,
) -> Step:
    for client in clients:
        client.call({"cmd": "record"})
    cpu0 = sum(c.cpu() for c in clients)
    srv0 = server.cpu()
    procs0, (busy0, steal0) = all_processes(), machine_cpu()
    t0 = time.monotonic()
    published = server.publish(rate, duration)
    wall = time.monotonic() - t0
    procs1, (busy1, steal1) = all_processes(), machine_cpu()
    client_cpu = (sum(c.cpu() for c in clients) - cpu0) / wall
    server_cpu = (server.cpu() - srv0) / wall
    mine = {os.getpid(), *(p.pid for p in bench.started)}
    used = {
        pid: (name, (cpu - procs0[pid][1]) / wall if pid in procs0 else cpu / wall)
        for pid, (name, cpu) in procs1.items()
    }
    kernel_cpu = max(0.0, (busy1 - busy0) / wall - sum(c for _n, c in used.values()))
    foreign = sorted(
        (
            (cores, name)
            for pid, (name, cores) in used.items()
            if pid not in mine and not (server.name != "baseline" and name in SYSTEM_UNDER_TEST)
        ),
        reverse=True,
    )
    other_cpu = sum(cores for cores, _name in foreign)
    seqs = set(published["seqs"])
    expected = len(seqs) * connected
    # Drain: until everything arrived, nothing new for a second, or drain_max.
    deadline = time.monotonic() + bench.plan.drain_max
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = sum(c.call({"cmd": "count"})["count"] for c in clients)
        if count >= expected:
            break
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > 1.0:
            break
        time.sleep(0.1)
    lats: list[float] = []
    wire: list[float] = []
    worst: dict[int, list[float]] = {}
    order_errors = 0
    closes: dict[str, int] = {}
    for i, client in enumerate(clients):
        path = bench.samples / f"{scenario}-{server.name}-n{n}-r{rate:g}-{round_no}-{i}"
        dump = client.call({"cmd": "dump", "path": str(path)})
        order_errors += dump["order_errors"]
        for code, count in dump["closes"].items():
            closes[code] = closes.get(code, 0) + count
        seq_arr = array("q", Path(f"{path}.seq").read_bytes())
        lat_arr = array("d", Path(f"{path}.lat").read_bytes())
        wire_arr = array("d", Path(f"{path}.wire").read_bytes())
        for seq, lat, w in zip(seq_arr, lat_arr, wire_arr, strict=True):
            if seq in seqs:
                lats.append(lat)
                wire.append(w)
                top = worst.setdefault(seq, [0.0, 0.0])
                top[0], top[1] = max(top[0], lat), max(top[1], w)
    lats.sort()
    wire.sort()
    step = Step(
        scenario=scenario,
        server=server.name,
        n=n,
        rate=rate,
        round=round_no,
        connected=connected,
        events=len(seqs),
        expected=expected,
        received=len(lats),
        reach=len(lats) / expected if expected else 0.0,
        p50=ms(percentile(lats, 0.50)) if lats else None,
        p99=ms(percentile(lats, 0.99)) if lats else None,
        max=ms(lats[-1]) if lats else None,
        wire_p50=ms(percentile(wire, 0.50)) if wire else None,
        wire_p99=ms(percentile(wire, 0.99)) if wire else None,
        wire_max=ms(wire[-1]) if wire else None,
        client_cpu=round(client_cpu, 3),
        server_cpu=round(server_cpu, 3),
        order_errors=order_errors,
        closes=closes,
        publish_late_max=round(float(published.get("late_max", 0.0)), 4),
        other_cpu=round(other_cpu, 3),
        other_top=[f"{name} {cores:.2f}" for cores, name in foreign[:3] if cores >= 0.01],
        kernel_cpu=round(kernel_cpu, 3),
        steal=round((steal1 - steal0) / wall, 3),
        worst_events=[
            [seq, ms(r), ms(a)]
            for seq, (r, a) in sorted(worst.items(), key=lambda kv: -kv[1][1])[:3]
        ],
        first_event=(
            [min(seqs), ms(worst[min(seqs)][0]), ms(worst[min(seqs)][1])]
            if seqs and min(seqs) in worst
            else []
        ),
    )
    if connected < n:
        step.notes.append(f"only {connected} of {n} clients connected")
    if step.publish_late_max > 0.1:
        step.notes.append(f"publisher fell {step.publish_late_max:.2f} s behind its schedule")
    return step


# Scenario 1 (+3): fan-out ramp, memory per connection ------------------------------------


@dataclass
class Memory:
    server: str
    round: int
    n0: int
    n: int
    rss_n0_kib: int
    rss_n_kib: int

    @property
    def per_conn_kib(self) -> float:
        return round((self.rss_n_kib - self.rss_n0_kib) / max(1, self.n - self.n0), 2)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "per_conn_kib": self.per_conn_kib}


@dataclass
class RunResult:
    steps: list[Step]
    memory: Memory | None
    connect: dict[str, Any]


def fanout_run(
    bench: Bench,
    name: str,
    n: int,
    rates: list[float],
    round_no: int,
    *,
    memory: bool = False,
    log: Any = print,
) -> RunResult:
    """A fresh server and client process; connect n (in two stages when measuring memory),
    then one measured step per rate, lowest first."""
    plan = bench.plan
    server = make_server(bench, name)
    server.start()
    clients = [bench.clients(f"clients-{name}")]
    mem: Memory | None = None
    steps: list[Step] = []
    try:
        if memory:
            first = connect(bench, clients, server.port, plan.mem_n0)
            time.sleep(plan.settle)
            rss0 = server.rss()
            rest = connect(bench, clients, server.port, n - plan.mem_n0)
            time.sleep(plan.settle)
            mem = Memory(name, round_no, first["ok"], first["ok"] + rest["ok"], rss0, server.rss())
            info = {
                **rest,
                "ok": first["ok"] + rest["ok"],
                "errors": first["errors"] + rest["errors"],
                "elapsed": first["elapsed"] + rest["elapsed"],
            }
        else:
            info = connect(bench, clients, server.port, n)
            time.sleep(plan.settle / 2)
        connected = info["ok"]
        log(
            f"  {name:8} N={n:<5} round {round_no}: {connected} connected in "
            f"{info['elapsed']:.1f} s ({info['errors']} errors)"
            + (f"; RSS {mem.rss_n0_kib} -> {mem.rss_n_kib} KiB" if mem else "")
        )
        # No unmeasured warm-up event: each step's first event counts like the others.
        for rate in rates:
            step = measure(
                bench,
                server,
                clients,
                connected,
                rate,
                plan.duration(n, rate),
                scenario="fanout",
                n=n,
                round_no=round_no,
            )
            steps.append(step)
            log(
                f"    {rate:>4g}/s: p50 {step.p50} p99 {step.p99} max {step.max} ms, "
                f"first event max {step.first_event[1] if step.first_event else None} ms, "
                f"reach {step.reach:.2%}, arrival p99 {step.wire_p99} ms, client CPU "
                f"{step.client_cpu:.0%}{'' if step.valid else ' INVALID'}"
                + (
                    f", NOISY: other processes used {step.other_cpu:.2f} cores "
                    f"({', '.join(step.other_top)})"
                    if step.noisy
                    else ""
                )
            )
    finally:
        for client in clients:
            bench.stop(client)
        server.stop()
    return RunResult(steps, mem, info)


def fanout(bench: Bench, *, log: Any = print) -> dict[str, Any]:
    """Scenario 1, with scenario 3 measured in the target-N runs (idle, subscribed)."""
    plan = bench.plan
    steps: list[Step] = []
    memory: list[Memory] = []
    connects: list[dict[str, Any]] = []
    for n in plan.fanout_n:
        rounds = plan.rounds if n == plan.target_n else 1
        for round_no in range(1, rounds + 1):
            # Interleave, alternating who goes first so drift does not favour one side.
            order = ["ours", "baseline"] if round_no % 2 else ["baseline", "ours"]
            for name in order:
                rates = plan.rates if round_no == 1 else [plan.target_rate]
                result = fanout_run(
                    bench, name, n, rates, round_no, memory=n == plan.target_n, log=log
                )
                steps += result.steps
                connects.append({"server": name, "n": n, "round": round_no, **result.connect})
                if result.memory:
                    memory.append(result.memory)
    return {
        "steps": [s.as_dict() for s in steps],
        "memory": [m.as_dict() for m in memory],
        "connects": connects,
    }


def memory_only(bench: Bench, *, log: Any = print) -> dict[str, Any]:
    """Scenario 3 alone (`--scenario memory`): connect N0, then N, idle; no events."""
    plan = bench.plan
    memory: list[Memory] = []
    for round_no in range(1, plan.rounds + 1):
        for name in ["ours", "baseline"] if round_no % 2 else ["baseline", "ours"]:
            result = fanout_run(bench, name, plan.target_n, [], round_no, memory=True, log=log)
            assert result.memory is not None
            memory.append(result.memory)
    return {"memory": [m.as_dict() for m in memory]}


# Scenario 2: connection burst ------------------------------------------------------------


def burst(bench: Bench, *, log: Any = print) -> dict[str, Any]:
    plan = bench.plan
    server = Ours(bench)
    server.start()
    clients = [bench.clients("clients-burst")]
    try:
        cpu0, srv0, t0 = clients[0].cpu(), server.cpu(), time.monotonic()
        info = connect(
            bench,
            clients,
            server.port,
            plan.burst_n,
            rate=plan.burst_rate,
            concurrency=plan.burst_n,
        )
        wall = time.monotonic() - t0
        time.sleep(1.0)
        status = clients[0].call({"cmd": "status"})
        result = {
            "server": "ours",
            "n": plan.burst_n,
            "rate": plan.burst_rate,
            "paced_seconds": plan.burst_n / plan.burst_rate,
            "all_subscribed_seconds": round(info["elapsed"], 2),
            "subscribed": info["ok"],
            "errors": info["errors"],
            "error_kinds": info["error_kinds"],
            "handshake_p50_ms": ms(info["handshake_p50"]),
            "handshake_max_ms": ms(info["handshake_max"]),
            "open_after_1s": status["open"],
            "client_cpu": round((clients[0].cpu() - cpu0) / wall, 3),
            "server_cpu": round((server.cpu() - srv0) / wall, 3),
        }
        log(
            f"  {plan.burst_n} connects at {plan.burst_rate:g}/s: all subscribed after "
            f"{result['all_subscribed_seconds']} s (pacing alone: {result['paced_seconds']:g} s), "
            f"{result['errors']} errors, server CPU {result['server_cpu']:.0%}"
        )
        return result
    finally:
        bench.stop(clients[0])
        server.stop()


# Scenario 4: two processes behind nginx --------------------------------------------------

NGINX_TEMPLATE = BENCH / "nginx.conf.template"
NGINX_CONF = BENCH / "nginx.conf"


def nginx_binary() -> str | None:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def ensure_nginx(log: Any = print) -> tuple[str | None, str]:
    """nginx, installed from Debian's packages when missing and we are root."""
    found = nginx_binary()
    if found:
        return found, ""
    if shutil.which("apt-get") is None:
        return None, "nginx is not installed and there is no apt-get"
    if os.geteuid() != 0:
        return None, "nginx is not installed and the bench is not root (apt-get install nginx)"
    log("  nginx is missing: apt-get install -y nginx (once) ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode and cmd[1] == "install":
            return None, f"apt-get install nginx failed: {done.stderr.strip()[-300:]}"
    found = nginx_binary()
    return (found, "") if found else (None, "nginx still missing after apt-get install")


def write_nginx_conf(ports: list[int], listen: int) -> Path:
    upstreams = "\n".join(f"        server {HOST}:{port};" for port in ports)
    text = NGINX_TEMPLATE.read_text()
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    text = text.replace("@UPSTREAMS@", upstreams).replace("@LISTEN@", f"{HOST}:{listen}")
    text = text.replace("@NOFILE@", str(nofile))
    if not NGINX_CONF.exists() or NGINX_CONF.read_text() != text:
        NGINX_CONF.write_text(text)
    return NGINX_CONF


def two_processes(bench: Bench, *, log: Any = print) -> dict[str, Any]:
    plan = bench.plan
    binary, why = ensure_nginx(log)
    if binary is None:
        log(f"  SKIPPED: {why}")
        return {"skipped": why}
    ports = [PORT_OURS, PORT_OURS_2]
    conf = write_nginx_conf(ports, PORT_NGINX)
    prefix = bench.out / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    servers = [Ours(bench, port) for port in ports]
    nginx: Process | None = None
    clients: list[Child] = []
    try:
        for server in servers:
            server.start()
        nginx = bench.track(
            Process(
                "nginx",
                [binary, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
                core=CLIENT_CORE,
                env=None,
                log=bench.logs / "nginx.log",
            )
        )
        wait_port(PORT_NGINX, nginx.proc)
        clients = [bench.clients("clients-two")]
        info = connect(bench, clients, PORT_NGINX, plan.two_n)
        split = [established(port) for port in ports]
        log(
            f"  {info['ok']} of {plan.two_n} connected through nginx in {info['elapsed']:.1f} s "
            f"({info['errors']} errors); split {split[0]} / {split[1]}"
        )
        both = TwoServers(bench, servers)
        step = measure(
            bench,
            both,
            clients,
            info["ok"],
            plan.two_rate,
            plan.two_duration,
            scenario="two",
            n=plan.two_n,
            round_no=1,
        )
        log(
            f"    {plan.two_rate:g}/s: reach {step.reach:.2%}, p50 {step.p50} p99 {step.p99} "
            f"max {step.max} ms, client CPU {step.client_cpu:.0%}"
        )
        return {
            "n": plan.two_n,
            "connected": info["ok"],
            "connect_seconds": round(info["elapsed"], 2),
            "connect_errors": info["errors"],
            "split": split,
            "step": step.as_dict(),
            "nginx": binary,
        }
    finally:
        for client in clients:
            bench.stop(client)
        if nginx is not None:
            bench.stop(nginx)
        for server in servers:
            server.stop()


class TwoServers(Server):
    name = "ours-x2"

    def __init__(self, bench: Bench, servers: list[Ours]) -> None:
        super().__init__(bench)
        self.servers = servers

    def cpu(self) -> float:
        return sum(s.cpu() for s in self.servers)

    def publish(self, rate: float, duration: float) -> dict[str, Any]:
        return self.servers[0].publish(rate, duration)
