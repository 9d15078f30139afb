"""Time the synthetic org generator at scale.

    .venv/bin/python bench/generate_org.py [--activities 1000000] [--reps N] [--seed 7]

Prints one JSON object: {"activities", "deals", "seconds", "peak_rss_mb", ...}. The store is in memory,
so peak RSS includes the generated tables themselves.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime

from sandbox.org.config import OrgConfig
from sandbox.org.generate import generate
from sandbox.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=None, help="default: about 25 calls per rep and workday")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    reps = args.reps or max(24, args.activities // 6_000)
    config = OrgConfig(seed=args.seed, activities=args.activities, reps=reps, end=datetime(2025, 1, 1))
    store = Store()
    started = time.perf_counter()
    summary = generate(config, store)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "activities": summary.activities,
        "deals": summary.deals,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024),
        "reps": reps,
        "rows": sum(summary.counts.values()),
    }))  # fmt: skip
    store.close()


if __name__ == "__main__":
    main()
