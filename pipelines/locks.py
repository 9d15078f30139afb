"""OS file locks that die with their process (`flock`): the kernel releases them when the holder ends,
however it ends (SIGKILL included), so a lock never outlives a crashed run.

- `hold(path)` takes an exclusive lock, waiting for it; while it waits it says who holds it.
- `abandoned(path)` tells whether a lock file was left by a process that is gone (the file is there
  and nobody holds it): with `hold(path, remove=True)` a lock file left behind marks a crashed holder.

POSIX only (Linux, macOS): elsewhere `hold` does not lock and `abandoned` is always False.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


@contextmanager
def hold(path: Path, *, waiting: Callable[[str], None] | None = None, remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the block. If another process holds
    it, call `waiting` once with the holder's pid (as the holder wrote it) and wait until it is free.
    `remove` deletes the file on exit: only for a path no other process waits on (a waiter would hold
    a lock on a deleted file while a newcomer locks a new one)."""
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                file.seek(0)
                waiting(file.read().strip() or "unknown")
            fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        file.truncate()
        file.write(str(os.getpid()))
        file.flush()
        try:
            yield
        finally:
            if remove:
                with suppress(FileNotFoundError):
                    path.unlink()  # while still held: `abandoned` never sees a file of a clean exit
            fcntl.flock(file, fcntl.LOCK_UN)


def abandoned(path: Path) -> bool:
    """True if `path` exists and no process holds its lock: its holder ended without releasing it
    properly (killed, crashed). False if it is held, missing, or locks are not supported here."""
    if fcntl is None:
        return False
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115 (closed below, which also unlocks)
    except FileNotFoundError:
        return False
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
