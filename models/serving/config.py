"""Where the marts are published, from BAROMETER_PUBLISH_* environment variables read when a function is
called (never at import):

- `BAROMETER_PUBLISH_DIR` (default: `serving/` beside the warehouse file): the folder of the read-only
  DuckDB snapshot and the Parquet versions.
- `BAROMETER_PUBLISH_URL` (optional): a PostgreSQL SQLAlchemy URL, `postgresql+psycopg://user:password@
  host:5432/database`, to publish the same tables to. It carries a password: messages name the variable
  and show the URL only masked (`masked`).
- `BAROMETER_PUBLISH_READER_ROLE` (default `barometer_reader`): the PostgreSQL role granted read access
  (USAGE and SELECT, nothing else); BI logins are made members of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from models.engine import warehouse_url

DIR_VAR = "BAROMETER_PUBLISH_DIR"
URL_VAR = "BAROMETER_PUBLISH_URL"
READER_ROLE_VAR = "BAROMETER_PUBLISH_READER_ROLE"
DEFAULT_READER_ROLE = "barometer_reader"
DEFAULT_FOLDER = "serving"
POSTGRES_DRIVER = "postgresql+psycopg"

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PublishConfigError(ValueError):
    """A publishing setting is unusable; the message names the variable and what to write."""


@dataclass(frozen=True)
class ServingConfig:
    directory: Path  # the snapshot and Parquet folder
    postgres_url: URL | None  # SQLAlchemy URL objects print their password masked
    reader_role: str = DEFAULT_READER_ROLE


def serving_config_from_env(env: Mapping[str, str] | None = None) -> ServingConfig:
    """The publishing settings named by `env` (default: os.environ, read now); the default folder is
    `serving/` beside the warehouse `env` names (BAROMETER_WAREHOUSE)."""
    env = os.environ if env is None else env
    check_env(env)
    folder = env.get(DIR_VAR, "").strip()
    return ServingConfig(
        directory=Path(folder).expanduser().resolve() if folder else _default_directory(env),
        postgres_url=_postgres_url(env.get(URL_VAR, "").strip()),
        reader_role=env.get(READER_ROLE_VAR, "").strip() or DEFAULT_READER_ROLE,
    )


def check_env(env: Mapping[str, str]) -> None:
    """Raise PublishConfigError if a BAROMETER_PUBLISH_* variable set in `env` is unusable (what the
    definitions check when they load, so a typo stops `barometer sync` before it extracts anything)."""
    folder = env.get(DIR_VAR, "").strip()
    if folder and Path(folder).expanduser().exists() and not Path(folder).expanduser().is_dir():
        raise PublishConfigError(f"{DIR_VAR}={folder!r} is a file; set it to a folder (created if missing)")
    _postgres_url(env.get(URL_VAR, "").strip())
    role = env.get(READER_ROLE_VAR, "").strip()
    if role and not _ROLE.fullmatch(role):
        raise PublishConfigError(
            f"{READER_ROLE_VAR}={role!r} is not a plain role name; use lower-case letters, digits and "
            "underscores (at most 63), e.g. barometer_reader"
        )


def masked(url: URL) -> str:
    """The URL with its password replaced by ***, for messages and metadata."""
    return url.render_as_string(hide_password=True)


def _default_directory(env: Mapping[str, str]) -> Path:
    database = make_url(warehouse_url(env)).database or ""
    if not database or database == ":memory:" or database.startswith("md:"):
        raise PublishConfigError(
            f"the warehouse is not a local file, so there is no default publish folder; set {DIR_VAR} "
            "to the folder BI tools read from"
        )
    return Path(database).expanduser().resolve().parent / DEFAULT_FOLDER


def _postgres_url(value: str) -> URL | None:
    if not value:
        return None
    example = f"write e.g. {POSTGRES_DRIVER}://publisher:password@db.example.com:5432/analytics"
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):  # their text would echo the URL, password included
        raise PublishConfigError(f"{URL_VAR} is not a valid URL; {example}") from None
    if url.get_backend_name() != "postgresql":
        raise PublishConfigError(
            f"{URL_VAR} is a {url.get_backend_name()!r} URL; publishing goes to PostgreSQL: {example}"
        )
    if url.drivername not in ("postgresql", POSTGRES_DRIVER):
        raise PublishConfigError(
            f"{URL_VAR} names the driver {url.get_driver_name()!r}; Barometer publishes with psycopg 3: "
            f"start the URL with {POSTGRES_DRIVER}://"
        )
    url = url.set(drivername=POSTGRES_DRIVER)  # a bare postgresql:// means psycopg here
    if not url.database:
        raise PublishConfigError(f"{URL_VAR} names no database; {example}")
    return url
