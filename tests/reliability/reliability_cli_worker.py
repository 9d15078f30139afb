"""A warm `barometer` for the crash trials: a process that imports the CLI once and runs each command it
is sent in a forked child, a real process of its own that a trial kills for real (SIGKILL), so a trial
pays for the run and not for starting Python and importing Dagster.

    python reliability_cli_worker.py
      stdin:  {"args": [...], "env": {...}, "log": "/path/to/output.log"}  one JSON line per command
      stdout: {"pid": N} when the child starts, then {"pid": N, "exit": code} when it ends (-9: killed)

`args` are the command line's (["sync"]), or ["warehouse-sync"]: what a sync run writes, without
Dagster around it (`warehouse_sync`). `CliWorker` drives a worker from a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path


def serve() -> None:
    # What `barometer sync` imports when it runs, done once here.
    import pipelines.definitions
    import pipelines.runs
    from pipelines.cli import main

    del pipelines

    assert threading.active_count() == 1, "forking a process with threads"
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(main, command)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}), flush=True)


def warehouse_sync() -> None:
    """The writes of `barometer sync` in the order its assets make them, without Dagster: every stream
    over its catch-up window (pipelines.windows: from where the stream's data stops) merged into the
    warehouse page by page (models.sync.run_stream), the reporting configuration, then every SQL model
    (models.sqlmodels.build). Environment as for `barometer sync`."""
    from datetime import UTC, datetime

    from connectors.sources import open_sources
    from models.engine import make_engine
    from models.reporting import reporting_config_from_env, write_config
    from models.sqlmodels import build
    from models.sync import catch_up_window, run_stream
    from pipelines.settings import settings_from_env

    started = time.perf_counter()

    def step(name: str) -> None:  # "<seconds since start> ▶ <step>": where a kill landed, and when
        print(f"{time.perf_counter() - started:.3f} ▶ {name}", file=sys.stderr, flush=True)

    settings, now = settings_from_env(), datetime.now(UTC)
    engine = make_engine()
    with open_sources() as sources:
        for stream in sources.streams:
            step(f"extract {stream.name}")
            run_stream(engine, stream, catch_up_window(engine, stream, overlap=settings.overlap, now=now))
    step("reporting config")
    write_config(engine, reporting_config_from_env(), as_of=now)
    step("build models")
    build(engine)
    engine.dispose()
    step("done")


def _child(main, command: dict) -> None:
    """Run the command with its environment and output file; never returns."""
    code = 1
    try:
        output = os.open(command["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.environ.update(command["env"])
        if command["args"] == ["warehouse-sync"]:
            warehouse_sync()
            code = 0
        else:
            main(command["args"], prog_name="barometer")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class CliWorker:
    """A running worker (its own process group, killed with every child on `close`)."""

    def __init__(self, env: dict[str, str], *, ready_timeout: float = 60.0) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._replies: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._reply(ready_timeout)

    def _read(self) -> None:
        for line in self._process.stdout:
            self._replies.put(json.loads(line))

    def _reply(self, timeout: float) -> dict:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"the CLI worker said nothing for {timeout:.0f}s") from None

    def start(self, args: list[str], *, env: dict[str, str], log: Path) -> int:
        """Start `barometer <args>` in a fresh child; its pid."""
        self._process.stdin.write(json.dumps({"args": args, "env": env, "log": str(log)}) + "\n")
        self._process.stdin.flush()
        return self._reply(30.0)["pid"]

    def wait(self, pid: int, *, timeout: float) -> int:
        """The exit code of child `pid` (negative: killed by that signal); kills it after `timeout`."""
        try:
            reply = self._reply(timeout)
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            self._reply(10.0)
            raise TimeoutError(f"barometer (pid {pid}) still running after {timeout:.0f}s: killed") from None
        assert reply["pid"] == pid, reply
        return reply["exit"]

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        self._process.stdin.close()
        self._process.stdout.close()


if __name__ == "__main__":
    serve()
