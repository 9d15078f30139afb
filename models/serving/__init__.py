"""Publishing the marts to BI tools: after each successful build, the marts and the core tables (and
`marts._published`, their freshness) are copied out of the warehouse, which BI tools never open:

- `snapshot`: a read-only DuckDB file, replaced atomically (`<publish dir>/barometer.duckdb`);
- `parquet`: one Parquet file per table, in versioned folders behind a `current` link;
- `postgres`: schemas `marts` and `core` on a PostgreSQL server, swapped atomically, readable by a
  read-only role;
- `config`: where (BAROMETER_PUBLISH_DIR, BAROMETER_PUBLISH_URL, BAROMETER_PUBLISH_READER_ROLE);
- `publish.publish`: one publication to every target, all or nothing.

docs/bi.md tells BI users how to connect.
"""

from models.serving.config import PublishConfigError, ServingConfig, serving_config_from_env
from models.serving.publish import Publication, publish
from models.serving.tables import PUBLISHED_SCHEMAS, PublishError

__all__ = [
    "PUBLISHED_SCHEMAS",
    "Publication",
    "PublishConfigError",
    "PublishError",
    "ServingConfig",
    "publish",
    "serving_config_from_env",
]
