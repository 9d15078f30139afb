"""Running a benchmark script as a real process from the project root, for the benchmark smoke tests."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str, timeout: int) -> tuple[dict, str]:
    """`bench/<script> <args>` in a fresh interpreter: its last stdout line (the JSON) parsed, and its
    whole stdout. Fails the test, with the end of stderr, when it exits non-zero."""
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout
