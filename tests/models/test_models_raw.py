from dataclasses import replace

import pytest
from warehouse_toys import DEALS, EVERYTHING, STAGES, deal, page, rows, ts

from connectors.streams import STANDARD_COLUMNS, Column
from models.engine import make_engine
from models.loader import merge_page
from models.raw import SchemaDriftError, ensure_tables, raw_table, sync_runs


def catalog(engine, schema, table):
    with engine.connect() as conn:
        result = conn.exec_driver_sql(
            "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            (schema, table),
        )
        return {name: (type_, nullable, comment) for name, type_, nullable, comment in result}


def table_comment(engine, schema, table):
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", (schema, table)
        ).scalar()


def test_types_comments_and_keys_reach_duckdb_and_persist(tmp_path):
    path = tmp_path / "w.duckdb"
    engine = make_engine(path)
    ensure_tables(engine, [EVERYTHING, STAGES])
    engine.dispose()
    engine = make_engine(path)  # reopened: the comments were written to the file
    columns = catalog(engine, "raw_salesforce", "toy_everything")
    assert {name: type_ for name, (type_, _, _) in columns.items()} == {
        "id": "BIGINT",
        "s": "VARCHAR",
        "i": "INTEGER",
        "d": "DOUBLE",
        "b": "BOOLEAN",
        "t": "TIMESTAMP WITH TIME ZONE",
        "day": "DATE",
        "j": "JSON",
        "_source_updated_at": "TIMESTAMP WITH TIME ZONE",
        "_is_deleted": "BOOLEAN",
        "_raw": "JSON",
    }
    for c in EVERYTHING.all_columns:
        assert columns[c.name][2] == c.description
    assert columns["_source_updated_at"][1] is False
    assert columns["s"][1] is True
    assert table_comment(engine, "raw_salesforce", "toy_everything") == EVERYTHING.description
    # child tables get no standard columns
    assert list(catalog(engine, "raw_hubspot", "toy_deal_stages")) == ["deal_id", "seq", "stage"]
    with engine.connect() as conn:
        keys = conn.exec_driver_sql(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' ORDER BY table_name"
        ).all()
    assert ("toy_deal_stages", ["deal_id", "seq"]) in keys
    assert ("toy_everything", ["id"]) in keys
    engine.dispose()


def test_meta_tables_are_documented(engine):
    ensure_tables(engine, [])
    for table in ("sync_runs", "rejects"):
        columns = catalog(engine, "raw_meta", table)
        assert columns, table
        assert all(comment for _, _, comment in columns.values()), table
        assert table_comment(engine, "raw_meta", table)
    assert catalog(engine, "raw_meta", "rejects")["payload"][0] == "JSON"
    assert catalog(engine, "raw_meta", "sync_runs")["newest_change_at"][0] == "TIMESTAMP WITH TIME ZONE"


def test_an_older_warehouses_cursor_table_is_dropped_and_its_runs_keep_their_newest_change(engine):
    """Before raw_meta.sync_runs was the only sync state, sync_state held a cursor per stream and each
    run recorded that cursor as sync_runs.cursor_at."""
    with engine.begin() as conn:
        for sql in (
            "CREATE SCHEMA raw_meta",
            "CREATE TABLE raw_meta.sync_state (stream VARCHAR PRIMARY KEY, cursor_at TIMESTAMPTZ, "
            "last_window_end TIMESTAMPTZ, updated_at TIMESTAMPTZ)",
            "INSERT INTO raw_meta.sync_state VALUES ('toy.deals', '2024-01-01 02:00+00', NULL, now())",
            "CREATE TABLE raw_meta.sync_runs (run_id VARCHAR PRIMARY KEY, stream VARCHAR NOT NULL, "
            "window_start TIMESTAMPTZ NOT NULL, window_end TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL, "
            "finished_at TIMESTAMPTZ, status VARCHAR NOT NULL, fetched BIGINT, loaded BIGINT, "
            "rejected BIGINT, api_calls BIGINT, cursor_at TIMESTAMPTZ, error VARCHAR, "
            "CHECK (status IN ('running', 'succeeded', 'failed')))",
            "INSERT INTO raw_meta.sync_runs VALUES ('old', 'toy.deals', '2000-01-01 00:00+00', "
            "'2024-01-02 00:00+00', '2024-01-02 00:00+00', '2024-01-02 00:01+00', 'succeeded', 1, 1, 0, "
            "1, '2024-01-01 02:00+00', NULL)",
        ):
            conn.exec_driver_sql(sql)
    ensure_tables(engine, [DEALS])
    ensure_tables(engine, [DEALS])  # idempotent
    assert catalog(engine, "raw_meta", "sync_state") == {}
    columns = catalog(engine, "raw_meta", "sync_runs")
    assert "cursor_at" not in columns
    assert columns["newest_change_at"][2] == sync_runs.c.newest_change_at.comment
    (run,) = rows(engine, "raw_meta.sync_runs")
    assert (run["run_id"], run["newest_change_at"]) == ("old", ts(2))


def test_ensure_tables_is_idempotent_and_keeps_data(engine):
    ensure_tables(engine, [DEALS, STAGES])
    with engine.connect() as conn:
        merge_page(conn, page(DEALS, [deal("a", 1)]), run_id="r", stream_name="s")
    ensure_tables(engine, [DEALS, STAGES])
    ensure_tables(engine, [DEALS])
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a"]


def test_a_column_added_to_the_spec_is_added_to_the_table(engine):
    ensure_tables(engine, [DEALS])
    with engine.connect() as conn:
        merge_page(conn, page(DEALS, [deal("a", 1)]), run_id="r", stream_name="s")
    grown = replace(
        DEALS,
        columns=(
            *DEALS.columns,
            Column("probability", "double", "Chance to win.", nullable=False),
        ),
    )
    ensure_tables(engine, [grown])
    columns = catalog(engine, "raw_hubspot", "toy_deals")
    assert columns["probability"] == ("DOUBLE", True, "Chance to win.")  # nullable: old rows have none
    with engine.connect() as conn:
        merge_page(conn, page(grown, [deal("b", 1) | {"probability": 0.5}]), run_id="r", stream_name="s")
    assert {r["deal_id"]: r["probability"] for r in rows(engine, "raw_hubspot.toy_deals")} == {
        "a": None,
        "b": 0.5,
    }


def test_a_column_removed_from_the_spec_is_kept_and_left_null(engine):
    ensure_tables(engine, [DEALS])
    with engine.connect() as conn:
        merge_page(
            conn,
            page(DEALS, [deal("a", 1, stage="won"), deal("b", 1, stage="lost")]),
            run_id="r",
            stream_name="s",
        )
    shrunk = replace(DEALS, columns=tuple(c for c in DEALS.columns if c.name != "stage"))
    ensure_tables(engine, [shrunk])
    assert "stage" in catalog(engine, "raw_hubspot", "toy_deals")

    def without_stage(row):
        return {k: v for k, v in row.items() if k != "stage"}

    with engine.connect() as conn:
        result = merge_page(
            conn,
            page(shrunk, [without_stage(deal("a", 2)), without_stage(deal("c", 2))]),
            run_id="r",
            stream_name="s",
        )
    assert (result.inserted, result.updated) == (1, 1)
    stages = {r["deal_id"]: r["stage"] for r in rows(engine, "raw_hubspot.toy_deals")}
    # b keeps its value; a's newer version and the new c have no stage: the row is one version
    assert stages == {"a": None, "b": "lost", "c": None}


def test_a_removed_not_null_column_becomes_nullable(engine):
    strict = replace(DEALS, columns=(*DEALS.columns, Column("owner", "string", "Owner.", nullable=False)))
    ensure_tables(engine, [strict])
    assert catalog(engine, "raw_hubspot", "toy_deals")["owner"][1] is False
    ensure_tables(engine, [DEALS])
    assert catalog(engine, "raw_hubspot", "toy_deals")["owner"][1] is True
    with engine.connect() as conn:
        merge_page(conn, page(DEALS, [deal("a", 1)]), run_id="r", stream_name="s")
    assert rows(engine, "raw_hubspot.toy_deals")[0]["owner"] is None


def test_changed_descriptions_update_the_comments(engine):
    ensure_tables(engine, [DEALS])
    table_text, column_text = 'Deals\' "100%" :x %(y)s', "The id's 50% :done %s"  # quoting hazards
    reworded = replace(
        DEALS,
        description=table_text,
        columns=(replace(DEALS.columns[0], description=column_text), *DEALS.columns[1:]),
    )
    ensure_tables(engine, [reworded])
    assert catalog(engine, "raw_hubspot", "toy_deals")["deal_id"][2] == column_text
    assert table_comment(engine, "raw_hubspot", "toy_deals") == table_text


def test_a_changed_type_is_an_error_not_a_conversion(engine):
    ensure_tables(engine, [DEALS])
    retyped = replace(
        DEALS, columns=(*DEALS.columns[:1], Column("amount", "string", "Amount."), DEALS.columns[2])
    )
    with pytest.raises(SchemaDriftError, match=r"raw_hubspot\.toy_deals\.amount is DOUBLE .* says VARCHAR"):
        ensure_tables(engine, [retyped])


def test_a_changed_primary_key_is_an_error(engine):
    ensure_tables(engine, [DEALS])
    rekeyed = replace(DEALS, primary_key=("deal_id", "stage"))
    with pytest.raises(SchemaDriftError, match="primary key"):
        ensure_tables(engine, [rekeyed])


def test_a_primary_key_outside_the_columns_is_refused():
    with pytest.raises(ValueError, match="must name columns"):
        raw_table(replace(DEALS, primary_key=("id",)))


def test_standard_columns_follow_the_spec_columns():
    table = raw_table(DEALS)
    assert [c.name for c in table.columns] == ["deal_id", "amount", "stage"] + [
        c.name for c in STANDARD_COLUMNS
    ]
    assert table.fullname == DEALS.table_name
