"""Shared helpers of the Salesforce connector tests: the test org, fast settings, environments for
each login flow, and reading the emulator's store (exactly what the API serves) in a stream's shape."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce import SyncSettings
from connectors.salesforce.specs import EXTRACTIONS, Extraction
from connectors.streams import IS_DELETED, RAW, SOURCE_UPDATED_AT, Page, Window
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox

# ~6,000 Tasks, 2,500 of them sharing one SystemModstamp (the generator's mass update).
ORG = OrgConfig(seed=11, reps=12, teams=2, days=120, end=datetime(2026, 6, 1), activities=12_000)
EVERYTHING = Window(datetime(2000, 1, 1, tzinfo=UTC))

# Retries and Bulk polling fast enough for a test run.
FAST = SyncSettings(
    backoff_initial_seconds=0.001,
    backoff_max_seconds=0.01,
    bulk_poll_seconds=0.005,
    bulk_poll_max_seconds=0.02,
)

TOKEN_VARIABLES = ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN")
BY_NAME = {e.stream_name: e for e in EXTRACTIONS}


def password_env(box: Sandbox) -> dict[str, str]:
    """The username/password login: the sandbox's credentials without the direct token."""
    return {
        k: v for k, v in box.credentials().items() if k.startswith("SALESFORCE_") and k not in TOKEN_VARIABLES
    }


def token_env(box: Sandbox) -> dict[str, str]:
    creds = box.credentials()
    return {k: creds[k] for k in TOKEN_VARIABLES}


def client_credentials_env(box: Sandbox) -> dict[str, str]:
    creds = box.credentials()
    return {k: creds[k] for k in ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_DOMAIN")}


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def store_rows(box: Sandbox, extraction: Extraction, window: Window = EVERYTHING) -> pa.Table:
    """The store's rows of the stream's object within `window`, typed like the stream's own columns,
    sorted by Id."""
    spec = extraction.spec
    columns = ", ".join(f'"{c.name}"' for c in spec.columns)
    conditions = ['"SystemModstamp" >= ?']
    params: list = [window.start.astimezone(UTC).replace(tzinfo=None)]
    if window.end is not None:
        conditions.append('"SystemModstamp" < ?')
        params.append(window.end.astimezone(UTC).replace(tzinfo=None))
    if extraction.where:
        conditions.append(extraction.where)
    sql = (
        f'SELECT {columns} FROM salesforce."{extraction.sobject}" WHERE {" AND ".join(conditions)} '
        'ORDER BY "Id"'
    )
    with box.store.fresh_cursor() as cur:
        table = cur.sql(sql, params=params).to_arrow_table()
    return pa.Table.from_arrays(
        [table.column(c.name).cast(c.arrow_type) for c in spec.columns],
        schema=pa.schema([pa.field(c.name, c.arrow_type) for c in spec.columns]),
    )


def page_rows(pages: Iterable[Page]) -> pa.Table:
    """All pages' rows in one table, sorted by Id."""
    pages = list(pages)
    table = pa.concat_tables([p.rows for p in pages])
    return table.sort_by("Id")


def own_columns(table: pa.Table, extraction: Extraction) -> pa.Table:
    names = [c.name for c in extraction.spec.columns]
    return pa.Table.from_arrays(
        [table.column(n).combine_chunks() for n in names],
        schema=pa.schema([pa.field(c.name, c.arrow_type) for c in extraction.spec.columns]),
    )


def assert_same_rows(actual: pa.Table, expected: pa.Table) -> None:
    """Column by column, so that a failure names the column."""
    assert actual.num_rows == expected.num_rows
    for name in expected.column_names:
        got, want = actual.column(name).combine_chunks(), expected.column(name).combine_chunks()
        if not got.equals(want):
            diff = pc.indices_nonzero(pc.invert(pc.fill_null(pc.equal(got, want), False))).to_pylist()[:3]
            raise AssertionError(
                f"column {name} differs, e.g. rows {diff}: "
                f"{[got[i].as_py() for i in diff]} != {[want[i].as_py() for i in diff]}"
            )


def standard_columns_agree(table: pa.Table, extraction: Extraction) -> None:
    assert table.column(SOURCE_UPDATED_AT).equals(table.column("SystemModstamp"))
    if extraction.has_is_deleted:
        assert table.column(IS_DELETED).equals(table.column("IsDeleted"))
    else:
        assert not pc.any(table.column(IS_DELETED)).as_py()
    assert table.column(RAW).null_count == 0
