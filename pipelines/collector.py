"""Python's cyclic garbage collector around a `barometer` command that loads the Dagster definitions,
runs once and exits (pipelines.cli: sync, backfill, demo).

Importing Dagster and building the definitions leaves about 340,000 objects that live until the
process ends, and every full collection walks all of them (0.1 s apiece here): about 0.2 s of
collections while they load, 0.1 s during a daily run, and 0.4 s as the interpreter exits, where its
final collections walk them once more just before the process ends anyway (docs/benchmarks.md,
"Dagster's fixed overhead"). So:
- while the definitions load, the collector is paused;
- what they left is then frozen (gc.freeze): later collections skip it, while the run's own objects are
  collected as usual. The garbage the load itself made (about 19,000 objects, a few MB) stays with it;
- at exit, after the other exit handlers (which close what they hold), everything left is frozen too.
Only in the process the `barometer` console script started (pipelines.cli.run calls `own_process`):
a process that calls the commands among other work (the tests, a user's script) keeps its collector as
it is, as do long-lived processes (`barometer sandbox`, Dagster's daemon and webserver).
"""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_own_process = False


def own_process() -> None:
    """This process runs one `barometer` command and exits: loading_for_one_run may tune its collector."""
    global _own_process
    _own_process = True


@contextmanager
def loading_for_one_run() -> Iterator[None]:
    """The block loads what the process keeps until it exits: no collections inside, its objects
    frozen after, and the interpreter's final collections skipped (if `own_process` was called)."""
    if not _own_process:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
        _freeze_at_exit()


@functools.cache
def _freeze_at_exit() -> None:
    # atexit runs its handlers last registered first: this one, registered before the run, comes after
    # the handlers of what the run opened
    atexit.register(gc.freeze)
