"""What every benchmark shares: the sandbox in a child process with a control channel, one sync per
fresh worker process (so its peak RSS is its own), medians, the table printer and the JSON line.

The sandbox (org generation, both emulators) runs in a spawned process so that the code measured and
the emulators each get a core and the measured process's memory holds no generated org. The child
listens on a `multiprocessing.connection` socket on 127.0.0.1: the benchmark and its workers send it
commands (fresh credentials, request counts per endpoint, record counts, random changes).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
RAISED = 100_000  # HubSpot requests per 10 s, raised on both sides: the limit is not what is measured
ORG_END = datetime(2026, 11, 1)
# Environment of a worker: the CRM variables come from the sandbox, never from the caller's shell.
CLEARED_PREFIXES = ("SALESFORCE_", "HUBSPOT_", "BAROMETER_", "DAGSTER_", "DLT_", "REQUESTS_CA_BUNDLE")


# Activities of every kind per call or meeting the generator is asked for (OrgConfig.activities counts
# calls + meetings): each call brings about 1.3 e-mails and to-dos in Salesforce (0.8 e-mails, 0.15 list
# e-mails, 0.35 to-dos) and 1.4 in HubSpot (1.0 e-mails, 0.4 tasks), and calls are about 75 % of calls +
# meetings; measured 2.00 at 20,000 and 2.02 at 200,000.
ACTIVITIES_PER_CALL_OR_MEETING = 2.0


@dataclass(frozen=True)
class OrgSize:
    """The synthetic org of a benchmark: about `activities` activities of every kind (calls, meetings,
    e-mails and tasks, both CRMs) over two years; the sandbox's `summary` counts what it made."""

    activities: int
    seed: int = 7
    days: int = 730
    end: datetime = ORG_END

    @property
    def calls_and_meetings(self) -> int:
        """What OrgConfig.activities is asked for."""
        return round(self.activities / ACTIVITIES_PER_CALL_OR_MEETING)

    @property
    def reps(self) -> int:
        # About 25 calls a rep and workday, up to 500 reps: the generator's pool of distinct names
        # (sandbox/org/reps.py) runs out past about 800.
        return min(500, max(24, self.calls_and_meetings // 6_000))

    def org_config(self):
        from sandbox.org.config import OrgConfig

        return OrgConfig(
            seed=self.seed,
            reps=self.reps,
            teams=max(3, self.reps // 10),
            days=self.days,
            end=self.end,
            activities=self.calls_and_meetings,
        )


# -- the sandbox process -------------------------------------------------------------------------

# Landed records per Barometer stream, counted in the sandbox's store the way the connectors land them.
SANDBOX_COUNTS = {
    "salesforce.user": 'select count(*) from salesforce."User"',
    "salesforce.task": 'select count(*) from salesforce."Task"',
    "salesforce.event": 'select count(*) from salesforce."Event"',
    "salesforce.contact": 'select count(*) from salesforce."Contact"',
    "salesforce.lead": 'select count(*) from salesforce."Lead"',
    "salesforce.opportunity": 'select count(*) from salesforce."Opportunity"',
    "salesforce.opportunity_history": 'select count(*) from salesforce."OpportunityHistory"',
    "salesforce.opportunity_stage": 'select count(*) from salesforce."OpportunityStage"',
    "hubspot.owners": "select count(*) from hubspot.owners",
    "hubspot.deal_pipelines": "select count(*) from hubspot.pipeline_stages",
    "hubspot.calls": 'select count(*) from hubspot."calls"',
    "hubspot.meetings": 'select count(*) from hubspot."meetings"',
    "hubspot.deals": 'select count(*) from hubspot."deals"',
    "hubspot.contacts": 'select count(*) from hubspot."contacts"',
    "hubspot.emails": 'select count(*) from hubspot."emails"',
    "hubspot.tasks": 'select count(*) from hubspot."tasks"',
}
# The activities of the org by kind, deleted and archived ones included: what `activities` counts.
_TASKS = 'select count(*) from salesforce."Task" where '
ACTIVITY_COUNTS = {
    "salesforce calls": _TASKS + """"TaskSubtype" = 'Call'""",
    "salesforce e-mails": _TASKS + """"TaskSubtype" in ('Email', 'ListEmail')""",
    "salesforce to-dos": _TASKS + """coalesce("TaskSubtype", 'Task') = 'Task'""",
    "salesforce meetings": SANDBOX_COUNTS["salesforce.event"],
    **{f"hubspot {k}": SANDBOX_COUNTS[f"hubspot.{k}"] for k in ("calls", "meetings", "emails", "tasks")},
}
ARCHIVED_COUNTS = {
    f"hubspot.{name}": f'select count(*) from hubspot."{name}" where archived'
    for name in ("calls", "meetings", "deals", "contacts", "emails", "tasks")
}
# The objects Barometer's streams read, by the names sandbox mutations use.
SYNCED_OBJECTS = {
    ("salesforce", "Task"),
    ("salesforce", "Event"),
    ("salesforce", "Contact"),
    ("salesforce", "Lead"),
    ("salesforce", "Opportunity"),
    ("hubspot", "calls"),
    ("hubspot", "meetings"),
    ("hubspot", "deals"),
    ("hubspot", "contacts"),
    ("hubspot", "emails"),
    ("hubspot", "tasks"),
}


def _serve(size: OrgSize, authkey: bytes, ready) -> None:
    """The child: start the sandbox, then answer commands until 'stop'."""
    from sandbox.hubspot.app import HubSpotConfig
    from sandbox.sandbox import Sandbox, SandboxConfig

    started = time.perf_counter()
    limits = HubSpotConfig(ten_second_limit=RAISED, search_per_second=RAISED // 10, daily_limit=10**9)
    box = Sandbox(SandboxConfig(org=size.org_config(), hubspot=limits)).start()
    lock = threading.Lock()  # one command at a time: mutations and counts read the same store
    stop = threading.Event()
    listener = Listener(("127.0.0.1", 0), authkey=authkey)

    def handle(conn: Connection) -> None:
        with conn:
            while not stop.is_set():
                try:
                    command, *args = conn.recv()
                except (EOFError, OSError):
                    return
                if command == "stop":
                    stop.set()
                    conn.send(None)
                    return
                with lock:
                    try:
                        conn.send(("ok", _command(box, command, args)))
                    except Exception as exc:  # the caller raises it with the sandbox's message
                        conn.send(("error", f"{type(exc).__name__}: {exc}"))

    def accept() -> None:
        while not stop.is_set():
            try:
                conn = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    ready.put((listener.address, round(time.perf_counter() - started, 2)))
    stop.wait()
    listener.close()
    box.stop()


def _command(box, command: str, args: list[Any]) -> Any:
    cur = box.store.cursor()
    if command == "credentials":
        return box.credentials()  # a fresh Salesforce session each time
    if command == "counts":
        return dict(box.requests.counts())
    if command == "clear":
        return box.requests.clear()
    if command == "busy":
        return sum(e.seconds for server in (box.salesforce, box.hubspot) for e in server.log.entries)
    if command == "records":
        return {name: cur.execute(sql).fetchone()[0] for name, sql in SANDBOX_COUNTS.items()}
    if command == "archived":
        return {name: cur.execute(sql).fetchone()[0] for name, sql in ARCHIVED_COUNTS.items()}
    if command == "summary":
        kinds = {name: cur.execute(sql).fetchone()[0] for name, sql in ACTIVITY_COUNTS.items()}
        return {"activities": sum(kinds.values()), "activities_by_kind": kinds, "deals": box.summary.deals}
    if command == "change":
        return _change(box, target_records=int(args[0]))
    if command == "clock":
        return box.clock.now.isoformat()
    if command == "advance":
        return box.clock.advance(timedelta(seconds=float(args[0]))).isoformat()
    raise ValueError(f"unknown sandbox command {command!r}")


def _change(box, *, target_records: int) -> dict[str, Any]:
    """Random changes (Mutations.random_changes) until at least `target_records` records of the
    synced objects changed; changes to objects no stream reads (accounts, companies) are counted apart."""
    changed: set[tuple[str, str, str]] = set()
    other = changes = 0
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    while len(changed) < target_records:
        for change in box.mutations.random_changes(max(1, min(100, target_records - len(changed)))):
            changes += 1
            kinds[change.kind] = kinds.get(change.kind, 0) + 1
            if (change.crm, change.object) in SYNCED_OBJECTS:
                changed.update((change.crm, change.object, i) for i in change.ids)
            else:
                other += len(change.ids)
    by_object: dict[str, int] = {}
    for crm, obj, _ in changed:
        by_object[f"{crm}.{obj}"] = by_object.get(f"{crm}.{obj}", 0) + 1
    return {
        "changes": changes,
        "records_changed": len(changed),
        "by_object": by_object,
        "other_records_changed": other,
        "kinds": kinds,
        "clock": box.clock.now.isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
    }


class SandboxClient:
    """A connection to the sandbox process: `call('counts')` and so on (see `_command`)."""

    def __init__(self, address: tuple[str, int], authkey: bytes) -> None:
        self._conn = Client(address, authkey=authkey)

    def call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, *args))
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"sandbox command {command!r} failed: {value}")
        return value

    def stop(self) -> None:
        """Stop the sandbox process (it answers, then shuts its emulators down)."""
        try:
            self._conn.send(("stop",))
            self._conn.recv()
        except (EOFError, OSError):
            pass
        self.close()

    def close(self) -> None:
        self._conn.close()


class SandboxProcess:
    """The sandbox serving `size` from a spawned child process, until close()."""

    def __init__(self, size: OrgSize, *, timeout: float = 1_800) -> None:
        self.size = size
        self.authkey = secrets.token_bytes(16)
        ctx = mp.get_context("spawn")
        ready = ctx.Queue()
        self._process = ctx.Process(target=_serve, args=(size, self.authkey, ready), daemon=True)
        self._process.start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.address, self.setup_seconds = ready.get(timeout=1)
                break
            except queue.Empty:
                if not self._process.is_alive():
                    raise RuntimeError(
                        f"the sandbox process ended (exit {self._process.exitcode}) before serving "
                        f"{size}; its traceback is on stderr above"
                    ) from None
                if time.monotonic() > deadline:
                    self._process.kill()
                    raise TimeoutError(f"the sandbox for {size} was not ready in {timeout:.0f} s") from None
        self.client = SandboxClient(self.address, self.authkey)

    def call(self, command: str, *args: Any) -> Any:
        return self.client.call(command, *args)

    @property
    def control(self) -> str:
        """What a worker needs to connect: host:port:authkey (hex)."""
        host, port = self.address
        return f"{host}:{port}:{self.authkey.hex()}"

    def close(self) -> None:
        self.client.stop()
        self._process.join(timeout=120)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect_control(control: str) -> SandboxClient:
    """A worker's connection from the `control` string SandboxProcess.control gives."""
    host, port, key = control.rsplit(":", 2)
    return SandboxClient((host, int(port)), bytes.fromhex(key))


# -- workers -------------------------------------------------------------------------------------


def worker_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any CRM, warehouse, Dagster or dlt setting of the caller, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_PREFIXES)}
    return env | dict(extra or {})


@dataclass(frozen=True)
class Finished:
    stdout: str
    stderr: str
    wall_seconds: float  # measured from outside: interpreter start and imports included

    def json(self) -> dict[str, Any]:
        """The last stdout line that is a JSON object (what `emit` prints)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"no JSON line in the output:\n{self.stdout[-2000:]}")
        return json.loads(lines[-1])


def run_process(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 7_200
) -> Finished:
    """Run `command` to its end; a non-zero exit raises with the end of its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        list(command), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        output = done.stderr[-4000:] + done.stdout[-2000:]
        raise RuntimeError(f"{' '.join(command[:3])} failed (exit {done.returncode}):\n{output}")
    return Finished(done.stdout, done.stderr, wall)


def run_worker(args: Sequence[str], *, env: Mapping[str, str], timeout: float = 7_200) -> dict[str, Any]:
    """Run `python <args>` (a bench script) in a fresh process; returns its JSON line, with
    `wall_seconds` (interpreter start and imports included) added."""
    finished = run_process([PYTHON, *args], env=env, timeout=timeout)
    return finished.json() | {"wall_seconds": round(finished.wall_seconds, 3)}


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MiB."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- figures -------------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def alternate(runs: int, *steps: Callable[[int], Any]) -> list[list[Any]]:
    """Run steps A, B, … in turn `runs` times (A B A B …): side by side on a shared machine, so a
    busy spell hits both. Returns each step's results in order."""
    results: list[list[Any]] = [[] for _ in steps]
    for n in range(runs):
        for i, step in enumerate(steps):
            results[i].append(step(n))
    return results


class OtherCpu:
    """How much of the machine's CPU went to work other than this process while it measured (`with
    OtherCpu() as other: ...`, then `other.result()`): a figure taken while another job shared the
    cores is slower than the code is, and a ratio of two such figures moves as well. Read from
    /proc/stat (every process, and time the hypervisor gave to other machines: steal) less this
    process's own CPU time; a child process counts as other work until it is waited for."""

    def __enter__(self) -> OtherCpu:
        self._start = (time.perf_counter(), _machine_busy_seconds(), _own_cpu_seconds())
        self._end = self._start
        return self

    def __exit__(self, *_exc: object) -> None:
        self._end = (time.perf_counter(), _machine_busy_seconds(), _own_cpu_seconds())

    def result(self) -> dict[str, float]:
        """`other_cpu_percent`: the other work's CPU time in percent of all cores over the measurement
        (0 on a quiet machine); `steal_percent`: the part of it taken by other virtual machines."""
        (wall0, (busy0, steal0), own0), (wall1, (busy1, steal1), own1) = self._start, self._end
        capacity = max(wall1 - wall0, 1e-9) * (os.cpu_count() or 1)
        other = max(0.0, (busy1 - busy0) - (own1 - own0))
        return {
            "other_cpu_percent": round(100 * other / capacity, 1),
            "steal_percent": round(100 * (steal1 - steal0) / capacity, 1),
        }


def _machine_busy_seconds() -> tuple[float, float]:
    """All CPUs' busy time since boot (user, nice, system, irq, softirq, steal) and its steal part, in
    seconds."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq + steal) / ticks, steal / ticks


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def machine() -> dict[str, Any]:
    """Date, cores, memory, load and versions: what a figure needs to be read against."""
    import duckdb

    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    versions = {"python": sys.version.split()[0], "duckdb": duckdb.__version__}
    for package in ("dlt", "dagster"):
        try:
            versions[package] = __import__(package).__version__
        except ImportError:
            versions[package] = None
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "memory_gib": round(total_kb / 1024**2, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def print_table(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """A plain text table of `columns` (numbers right-aligned, thousands separated)."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print(f"\n{title}")
    for line in [list(columns), *cells]:
        padded = (v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths, strict=True)))
        print("  ".join(padded))


def emit(result: Mapping[str, Any]) -> None:
    """The machine-readable result: one JSON line on stdout, last."""
    print(json.dumps(result, default=str), flush=True)
