"""Constants of the Salesforce connector: API version, page sizes, the REST/Bulk switch, retry and
polling policy. `SyncSettings()` holds the defaults; tests and benchmarks pass their own."""

from __future__ import annotations

from dataclasses import dataclass

API_VERSION = "59.0"
SOURCE = "salesforce"
CURSOR_FIELD = "SystemModstamp"  # every stream's cursor; windows are [start, end) on it

# describe() types that are not plain columns: compound fields (their parts are separate fields)
# and binary content. They are never selected.
SKIPPED_FIELD_TYPES = frozenset({"address", "location", "base64", "complexvalue"})


@dataclass(frozen=True)
class SyncSettings:
    api_version: str = API_VERSION
    # REST query: records per page (Sforce-Query-Options batchSize; Salesforce's maximum is 2,000).
    rest_batch_size: int = 2_000
    # A window whose first REST page reports more records than this is read with Bulk API 2.0.
    bulk_threshold: int = 10_000
    bulk_max_records: int = 50_000  # records per Bulk 2.0 results request (maxRecords)
    page_rows: int = 10_000  # at most this many rows per Page handed to the caller
    # At most this many values (records x fields) per Bulk results request and per Page: a wide
    # object (hundreds of custom fields) gets fewer records a page, so memory stays bounded.
    max_page_values: int = 2_500_000
    bulk_poll_seconds: float = 0.05  # first wait before polling a Bulk job, doubled up to the max
    bulk_poll_max_seconds: float = 5.0
    bulk_timeout_seconds: float = 3_600.0  # a job not complete by then counts as failed (REST fallback)
    # Retries of one request: attempts in all, exponential backoff with full jitter between them.
    max_attempts: int = 8
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    retry_after_max_seconds: float = 300.0  # a longer Retry-After is capped to this
    # Longest REST query URI (path and query string) to send. Salesforce: "the maximum length for the
    # combined URI and headers is 16,384 bytes [...] If the URI itself exceeds this limit, the request
    # returns a 414 URI Too Long error" (Salesforce Help article 000386264); 2 KB are left for the
    # headers. A wide object's fields are split into chunks whose queries stay under it (streams.py).
    max_uri_bytes: int = 16_384 - 2_048
    connect_timeout_seconds: float = 30.0
    read_timeout_seconds: float = 600.0  # Salesforce cancels a REST call after 10 minutes

    def __post_init__(self) -> None:
        if not 200 <= self.rest_batch_size <= 2_000:
            raise ValueError(f"rest_batch_size must be within 200..2000, got {self.rest_batch_size}")
        for name in ("bulk_threshold", "bulk_max_records", "page_rows", "max_page_values", "max_attempts"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    def rows_for(self, fields: int, rows: int) -> int:
        """`rows`, or fewer so that `rows` x `fields` stays within max_page_values."""
        return max(1, min(rows, self.max_page_values // max(fields, 1)))
