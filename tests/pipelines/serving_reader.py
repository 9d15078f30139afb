"""A BI tool, as a separate process: queries the published DuckDB snapshot in a loop until a stop file
appears, then prints what it saw as one JSON line.

    python serving_reader.py <barometer.duckdb> reopen|hold <stop file>

`reopen` opens the file read-only for every query round (as a dashboard refresh does); `hold` opens it
once and keeps the connection. Each round reads marts._published and counts every table it lists, in
the same file: a complete snapshot has every count equal to its row_count. Errors (a lock error, a
missing table) are recorded, not raised. Until the first publication the file is absent: those
rounds count as `absent` (`hold` opens the file once it exists).
"""

import json
import sys
import time
from pathlib import Path

import duckdb

PAUSE = 0.1  # between rounds: readers share the machine with the sync


def observe(db: duckdb.DuckDBPyConnection) -> tuple[str, list[str]]:
    """(published_at, mismatches) of one round."""
    manifest = db.execute("select table_name, row_count, published_at from marts._published").fetchall()
    mismatches = []
    for table, expected, _ in manifest:
        actual = db.execute(f"select count(*) from {table}").fetchone()[0]
        if actual != expected:
            mismatches.append(f"{table}: {actual} rows, _published says {expected}")
    published = {str(row[2]) for row in manifest}
    if len(published) != 1:
        mismatches.append(f"several published_at values: {sorted(published)}")
    return min(published, default="none"), mismatches


def main(path: str, mode: str, stop: Path) -> None:
    seen: dict[str, int] = {}
    incomplete: list[str] = []
    errors: list[str] = []
    held = None
    rounds = 0
    stopping = False
    while not stopping:
        stopping = stop.exists()  # one last round after the stop file appears: it sees the final state
        time.sleep(PAUSE)
        rounds += 1
        if not Path(path).exists():
            if len(seen) > ("absent" in seen):
                errors.append("the published file vanished after it had appeared")
            seen["absent"] = seen.get("absent", 0) + 1
            continue
        try:
            if mode == "hold" and held is None:
                held = duckdb.connect(path, read_only=True)
            db = held or duckdb.connect(path, read_only=True)
            try:
                published, mismatches = observe(db)
            finally:
                if held is None:
                    db.close()
            seen[published] = seen.get(published, 0) + 1
            incomplete += [f"{published}: {m}" for m in mismatches]
        except duckdb.Error as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    summary = {"rounds": rounds, "seen": seen, "incomplete": incomplete, "errors": errors}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
