"""What every CRM stream declares and yields, whichever CRM it reads.

A stream declares its landing table (`StreamSpec`: columns with types and descriptions, primary key,
cursor column) and yields `Page`s: an Arrow table of flat rows in exactly that shape, the records it
could not map (`Reject`), and the API calls it spent. It never touches the warehouse; `models/`
turns specs into tables and merges pages into them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import pyarrow as pa

ColumnType = Literal["string", "integer", "bigint", "double", "boolean", "timestamp", "date", "json"]

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "json": pa.string(),  # JSON text; landed as the warehouse's JSON type
}

# Every landing table ends with these columns (the merge and the contract rely on them).
SOURCE_UPDATED_AT = "_source_updated_at"  # the record's modification time at the source; newest wins
IS_DELETED = "_is_deleted"  # deleted / archived at the source
RAW = "_raw"  # the whole record as the API returned it (JSON text): custom fields survive


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = True
    # A prospect's name, e-mail address or phone number: lands in raw only, and a reject reason names
    # the column and the kind of value, never the value itself.
    personal: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


STANDARD_COLUMNS = (
    Column(
        SOURCE_UPDATED_AT,
        "timestamp",
        "When the source last changed the record; a newer row always wins.",
        False,
    ),
    Column(
        IS_DELETED, "boolean", "Deleted (Salesforce IsDeleted) or archived (HubSpot) at the source.", False
    ),
    Column(RAW, "json", "The record exactly as the API returned it, custom fields included."),
)


@dataclass(frozen=True)
class StreamSpec:
    """A landing table: `<source>.<name>` in schema `raw_<source>`."""

    source: Literal["salesforce", "hubspot"]
    name: str  # table name, snake_case, e.g. "task", "calls", "deal_stage_history"
    description: str
    columns: tuple[Column, ...]  # the stream's own columns; STANDARD_COLUMNS are appended
    primary_key: tuple[str, ...]
    # Child tables (stage history, associations) are replaced per parent: before a page is merged,
    # rows whose `replace_key` is among the page's parent ids are deleted (see Page.parent_ids).
    replace_key: str | None = None

    @property
    def all_columns(self) -> tuple[Column, ...]:
        if self.replace_key is not None:
            return self.columns
        return self.columns + STANDARD_COLUMNS

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.all_columns])

    @property
    def table_name(self) -> str:
        return f"raw_{self.source}.{self.name}"


@dataclass(frozen=True)
class Window:
    """Records modified in [start, end); end None = up to now."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError("window bounds must be timezone-aware (UTC)")
        if self.end is not None and self.end <= self.start:
            raise ValueError(
                f"window end {self.end.isoformat()} is not after its start {self.start.isoformat()}"
            )


@dataclass(frozen=True)
class Reject:
    record_id: str | None
    reason: str  # what is wrong, naming the field and value (a personal-data value is not shown)
    payload: str  # the raw record (JSON text)


@dataclass
class Page:
    spec: StreamSpec
    rows: pa.Table  # schema == spec.schema
    rejects: list[Reject] = field(default_factory=list)
    api_calls: int = 0  # calls spent producing this page (retries included)
    parent_ids: list[str] | None = None  # child streams: parents whose children this page replaces

    @property
    def fetched(self) -> int:
        return self.rows.num_rows + len(self.rejects)


class Stream(Protocol):
    """One extraction with one cursor, e.g. HubSpot deals, whose pages also fill the deals' stage
    history and associations tables (child specs)."""

    name: str  # the cursor's name, e.g. "salesforce.task"
    specs: tuple[StreamSpec, ...]  # every table its pages fill; specs[0] is the stream's own

    def pages(self, window: Window) -> Iterator[Page]:
        """Every record modified within `window` (with its child rows), page by page."""
        ...
