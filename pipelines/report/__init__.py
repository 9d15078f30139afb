"""The KPI scorecard: one self-contained HTML page from the marts (`barometer report`, and the
`report/scorecard` asset after every build).

- `queries`: reads the marts, settings and sync log (bound parameters) into the page model;
- `model`: the page model, frozen dataclasses built by pure functions;
- `charts`: inline SVG charts; `style`: the inline stylesheet; `formatting`: numbers and dates;
- `page`: the HTML; `writer`: where the page goes and writing it.
"""

from pipelines.report.queries import REPORT_MARTS, ReportError
from pipelines.report.writer import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    REPORT_FILE_VAR,
    WrittenReport,
    default_warehouse,
    open_read_only,
    report_path,
    write_report,
)

__all__ = [
    "DEFAULT_WEEKS",
    "MAX_WEEKS",
    "REPORT_FILE_VAR",
    "REPORT_MARTS",
    "ReportError",
    "WrittenReport",
    "default_warehouse",
    "open_read_only",
    "report_path",
    "write_report",
]
