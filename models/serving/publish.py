"""One publication: the warehouse's published tables copied to every target, all or nothing.

Order: the new DuckDB snapshot is built (not yet visible), the Parquet version written from it (not yet
current), PostgreSQL loaded and swapped; only then are the snapshot renamed into place and `current`
switched. A failure anywhere before that leaves every target on the previous publication; PostgreSQL
commits before the two renames, so only a failed rename (a full or broken disk) could leave it one
publication ahead.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from models.engine import duckdb_connection
from models.serving import parquet, postgres, snapshot
from models.serving.config import PublishConfigError, ServingConfig
from models.serving.tables import MANIFEST_TABLE, Settings, describe, reporting_settings


@dataclass(frozen=True)
class Publication:
    snapshot: Path  # the published DuckDB file
    parquet: Path  # the current Parquet version folder
    rows: dict[str, int]  # published table → rows
    bytes: int  # the snapshot file's size
    settings: Settings
    published_at: datetime
    seconds: float
    postgres: postgres.PostgresPublication | None = None


def publish(
    engine: sa.Engine, tables: Iterable[str], config: ServingConfig, *, now: datetime | None = None
) -> Publication:
    """Publish `tables` (`schema.table`) of the warehouse behind `engine` as `config` says."""
    started = time.perf_counter()
    published_at = now or datetime.now(UTC)
    directory = _folder(config.directory)
    target = directory / snapshot.SNAPSHOT_FILE
    staged = snapshot.prepare_staging(target)
    staged_parquet: Path | None = None
    with engine.connect() as conn:
        db = duckdb_connection(conn)
        described = describe(db, tables)
        settings = reporting_settings(db)
        try:
            rows = snapshot.build(db, described, settings, path=staged, published_at=published_at)
            published = [*described, MANIFEST_TABLE]
            staged_parquet = parquet.write(
                db,
                snapshot.ALIAS,
                published,
                root=directory / "parquet",
                version=parquet.version_name(published_at),
            )
            on_postgres = None
            if config.postgres_url is not None:
                with tempfile.TemporaryDirectory(dir=directory, prefix=".postgres-") as workdir:
                    on_postgres = postgres.publish(
                        db,
                        snapshot.ALIAS,
                        published,
                        url=config.postgres_url,
                        reader_role=config.reader_role,
                        workdir=Path(workdir),
                    )
            snapshot.detach(db)
            snapshot.install(staged, target)
            version = parquet.switch(staged_parquet)
        except BaseException:
            snapshot.detach(db)
            snapshot.discard(staged)
            if staged_parquet is not None:
                parquet.discard(staged_parquet)
            raise
    return Publication(
        snapshot=target,
        parquet=version,
        rows=rows,
        bytes=target.stat().st_size,
        settings=settings,
        published_at=published_at,
        seconds=time.perf_counter() - started,
        postgres=on_postgres,
    )


def _folder(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishConfigError(
            f"cannot create the publish folder {directory} ({exc.strerror}); set BAROMETER_PUBLISH_DIR "
            "to a writable folder"
        ) from None
    return directory
