"""pipelines.collector: the garbage collector around a one-run `barometer` command, in a real Python
process of its own (what it changes lasts for the process), and left alone in a process that only
calls the commands."""

import subprocess
import sys
import textwrap

from models.engine import PROJECT_ROOT


def run_python(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


def test_loading_pauses_collection_then_freezes_what_was_loaded_and_the_exit_collects_nothing():
    printed = run_python(
        """
        import atexit, gc
        from pipelines.collector import loading_for_one_run, own_process

        own_process()
        # registered first, so it runs last at exit: after the collector's own handler
        atexit.register(lambda: print("frozen-at-exit", gc.get_freeze_count() > frozen + 1000))
        handlers = atexit._ncallbacks()
        with loading_for_one_run():
            paused = not gc.isenabled()
            loaded = [[n] for n in range(10_000)]
        frozen = gc.get_freeze_count()
        with loading_for_one_run():  # a second load: one exit handler all the same
            pass
        run = [[n] for n in range(10_000)]  # made after the load, frozen only at exit
        print("paused", paused, "enabled-after", gc.isenabled(), "loaded-frozen", frozen >= 10_000)
        print("exit-handlers", atexit._ncallbacks() - handlers)
        """
    )
    assert printed == [
        "paused", "True", "enabled-after", "True", "loaded-frozen", "True",
        "exit-handlers", "1",
        "frozen-at-exit", "True",
    ]  # fmt: skip


def test_a_collector_disabled_before_stays_disabled():
    printed = run_python(
        """
        import gc
        from pipelines.collector import loading_for_one_run, own_process

        own_process()
        gc.disable()
        with loading_for_one_run():
            pass
        print(gc.isenabled())
        """
    )
    assert printed == ["False"]


def test_a_process_that_only_calls_the_commands_keeps_its_collector():
    printed = run_python(
        """
        import atexit, gc
        from pipelines.collector import loading_for_one_run

        handlers = atexit._ncallbacks()
        with loading_for_one_run():
            enabled = gc.isenabled()
            loaded = [[n] for n in range(10_000)]
        print(enabled, gc.isenabled(), gc.get_freeze_count(), atexit._ncallbacks() - handlers)
        """
    )
    assert printed == ["True", "True", "0", "0"]


def test_the_console_script_runs_its_command_in_a_process_of_its_own():
    from importlib.metadata import entry_points

    [script] = entry_points(group="console_scripts", name="barometer")
    assert script.value == "pipelines.cli:run"
