"""The published tables as Parquet files, one per table, for tools that read files rather than databases:

    <publish dir>/parquet/
        current -> 20261126T020312.123456Z      a symbolic link, replaced atomically
        20261126T020312.123456Z/                one folder per publication (UTC time), complete
            core/deals.parquet
            marts/rep_weekly_scorecard.parquet
            marts/_published.parquet
            …
        20261125T020305.654321Z/                the previous ones, KEEP in all

A version is written under a hidden name, renamed into place once complete, and `current` is switched to
it by renaming a new link over the old one, so `parquet/current/…` always names a complete version.
The oldest versions beyond KEEP are removed; a reader that already opened a file keeps reading it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb

from models.serving.snapshot import READ_ONLY, fsync_directory
from models.serving.tables import Table, literal

CURRENT = "current"
KEEP = 3  # versions kept: the current one and the two before it
_STAGING_PREFIX = ".next-"


def version_name(published_at: datetime) -> str:
    return published_at.strftime("%Y%m%dT%H%M%S.%fZ")


def write(
    db: duckdb.DuckDBPyConnection, database: str, tables: Iterable[Table], *, root: Path, version: str
) -> Path:
    """Write each table of `database` (attached to `db`) to `<root>/<hidden staging folder>/<schema>/
    <table>.parquet`; returns the staging folder (`switch` puts it in place)."""
    staging = root / f"{_STAGING_PREFIX}{version}"
    shutil.rmtree(staging, ignore_errors=True)
    for table in tables:
        folder = staging / table.schema
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"{table.name}.parquet"
        db.execute(
            f"copy (from {table.sql_name(database)}) to {literal(str(file))} "
            "(format parquet, compression zstd)"
        )
        file.chmod(READ_ONLY)
    return staging


def switch(staging: Path) -> Path:
    """Rename the staged version into place, point `current` at it, drop versions beyond KEEP."""
    root = staging.parent
    version = root / staging.name.removeprefix(_STAGING_PREFIX)
    os.replace(staging, version)
    link = root / f"{_STAGING_PREFIX}{CURRENT}"
    link.unlink(missing_ok=True)
    link.symlink_to(version.name, target_is_directory=True)
    os.replace(link, root / CURRENT)
    fsync_directory(root)
    _prune(root, keep=version.name)
    return version


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def current(root: Path) -> Path | None:
    """The version folder `current` points at, or None before the first publication."""
    link = root / CURRENT
    return (root / os.readlink(link)) if link.is_symlink() else None


def _prune(root: Path, *, keep: str) -> None:
    versions = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    for old in versions[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old)
    for leftover in root.glob(f"{_STAGING_PREFIX}*"):  # from a publication that stopped half-way
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
