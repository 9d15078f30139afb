"""Hand-built toy specs, pages and streams for the warehouse tests, and helpers to read tables back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import sqlalchemy as sa

from connectors.streams import Column, Page, Reject, StreamSpec, Window
from models.raw import sync_runs

T0 = datetime(2024, 1, 1, tzinfo=UTC)

DEALS = StreamSpec(
    source="hubspot",
    name="toy_deals",
    description="Toy deals for the loader tests.",
    columns=(
        Column("deal_id", "string", "The deal's id.", nullable=False),
        Column("amount", "double", "Deal amount."),
        Column("stage", "string", "Current stage."),
    ),
    primary_key=("deal_id",),
)

STAGES = StreamSpec(
    source="hubspot",
    name="toy_deal_stages",
    description="Toy stage history, replaced per deal.",
    columns=(
        Column("deal_id", "string", "The deal.", nullable=False),
        Column("seq", "integer", "Position in the deal's history.", nullable=False),
        Column("stage", "string", "Stage entered."),
    ),
    primary_key=("deal_id", "seq"),
    replace_key="deal_id",
)

EVERYTHING = StreamSpec(
    source="salesforce",
    name="toy_everything",
    description="One column of every type.",
    columns=(
        Column("id", "bigint", "Record id.", nullable=False),
        Column("s", "string", "A string."),
        Column("i", "integer", "An integer."),
        Column("d", "double", "A double."),
        Column("b", "boolean", "A boolean."),
        Column("t", "timestamp", "A timestamp."),
        Column("day", "date", "A date."),
        Column("j", "json", "Some JSON."),
    ),
    primary_key=("id",),
)


def ts(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def deal(deal_id: str, hours: float, *, amount: float | None = None, stage: str = "open", deleted=False):
    """A landing row of DEALS modified `hours` after T0."""
    row = {"deal_id": deal_id, "amount": amount, "stage": stage}
    return row | {
        "_source_updated_at": ts(hours),
        "_is_deleted": deleted,
        "_raw": json.dumps(row | {"hours": hours}),
    }


def page(
    spec: StreamSpec,
    rows: list[dict],
    *,
    rejects: list[Reject] | None = None,
    parent_ids: list[str] | None = None,
    api_calls: int = 1,
) -> Page:
    return Page(
        spec=spec,
        rows=pa.Table.from_pylist(rows, schema=spec.schema),
        rejects=rejects or [],
        api_calls=api_calls,
        parent_ids=parent_ids,
    )


@dataclass
class ListStream:
    """A Stream over pages built per window; `fail_after` raises after that many pages."""

    name: str
    specs: tuple[StreamSpec, ...]
    build: Callable[[Window], list[Page]]
    fail_after: int | None = None
    windows: list[Window] = field(default_factory=list)
    on_resume: Callable[[int], None] | None = None  # called with the number of pages already yielded

    def pages(self, window: Window) -> Iterator[Page]:
        self.windows.append(window)
        for n, p in enumerate(self.build(window)):
            if self.fail_after is not None and n == self.fail_after:
                raise RuntimeError(f"toy source failed after {n} pages")
            yield p
            if self.on_resume is not None:
                self.on_resume(n + 1)


def record_run(engine: sa.Engine, run_id: str, stream: str = "toy.deals") -> None:
    """A 'running' row in raw_meta.sync_runs, as models.sync.run_stream writes before the first page."""
    with engine.begin() as conn:
        conn.execute(
            sync_runs.insert().values(
                run_id=run_id, stream=stream, window_start=T0, started_at=T0, status="running"
            )
        )


def rows(engine: sa.Engine, table: str, order_by: str = "ALL") -> list[dict]:
    with engine.connect() as conn:
        result = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {order_by}")
        return [dict(r._mapping) for r in result]


def scalar(engine: sa.Engine, sql: str, params: dict | None = None):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params or {}).scalar()
