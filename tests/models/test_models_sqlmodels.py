"""models.sqlmodels: discovering the SQL files, their dependencies and order, and materializing them."""

from datetime import UTC, datetime

import pytest
from sql_helpers import build_core, fetch, landing_warehouse

from models import sqlmodels
from models.reporting import ReportingConfig, write_config
from models.sqlmodels import SqlModelError, discover, materialize

engine = landing_warehouse  # the SQL models read the landing tables: here the engine's warehouse has them
DOCS = {model.name: model.doc for model in discover() if model.doc}  # each model's file (<table>.yml)

# Core reads staging views only (and core.deals reads core.deal_stage_history, core.activities reads
# core.contacts).
CORE_DEPENDENCIES = {
    "core.activities": {
        "core.contacts",
        "staging.config_call_outcomes",
        "staging.crm_owners",
        "staging.hubspot_calls",
        "staging.hubspot_emails",
        "staging.hubspot_links",
        "staging.hubspot_meetings",
        "staging.hubspot_tasks",
        "staging.salesforce_events",
        "staging.salesforce_tasks",
    },
    "core.contacts": {
        "staging.config_seniority",
        "staging.hubspot_contacts",
        "staging.hubspot_links",
        "staging.salesforce_contacts",
        "staging.salesforce_leads",
    },
    "core.deal_stage_history": {
        "staging.deals",
        "staging.funnel_stages",
        "staging.hubspot_deal_stage_history",
        "staging.salesforce_opportunity_history",
    },
    "core.deals": {
        "core.deal_stage_history",
        "staging.config_build",
        "staging.config_fx_rates",
        "staging.config_referral_values",
        "staging.deals",
        "staging.funnel_stages",
    },
    "core.reps": {"staging.crm_owners"},
}
# One staging view per landing or config table core needs, named <source>_<table>, and the shared steps
# built on them: the owner → rep rule, HubSpot's associated prospect and deal, the deals in one shape,
# the stage mapping resolved per pipeline.
STAGING_DEPENDENCIES = {
    "staging.config_build": {"config.build"},
    "staging.config_call_outcomes": {"config.call_outcomes"},
    "staging.config_fx_rates": {"config.fx_rates"},
    "staging.config_referral_values": {"config.referral_values"},
    "staging.config_seniority": {"config.seniority_rules"},
    "staging.hubspot_calls": {"raw_hubspot.calls"},
    "staging.hubspot_contacts": {"raw_hubspot.contacts"},
    "staging.hubspot_emails": {"raw_hubspot.emails"},
    "staging.hubspot_tasks": {"raw_hubspot.tasks"},
    "staging.salesforce_contacts": {"raw_salesforce.contact"},
    "staging.salesforce_leads": {"raw_salesforce.lead"},
    "staging.hubspot_deal_stage_history": {"raw_hubspot.deal_stage_history"},
    "staging.hubspot_deal_stages": {"raw_hubspot.deal_pipelines"},
    "staging.hubspot_deals": {"raw_hubspot.deals"},
    "staging.hubspot_meetings": {"raw_hubspot.meetings"},
    "staging.hubspot_owners": {"raw_hubspot.owners"},
    "staging.salesforce_events": {"raw_salesforce.event"},
    "staging.salesforce_opportunities": {"raw_salesforce.opportunity"},
    "staging.salesforce_opportunity_history": {"raw_salesforce.opportunity_history"},
    "staging.salesforce_tasks": {"raw_salesforce.task"},
    "staging.salesforce_users": {"raw_salesforce.user"},
    "staging.crm_owners": {"staging.hubspot_owners", "staging.salesforce_users"},
    "staging.hubspot_links": {
        "raw_hubspot.call_associations",
        "raw_hubspot.contact_associations",
        "raw_hubspot.deal_associations",
        "raw_hubspot.email_associations",
        "raw_hubspot.meeting_associations",
        "raw_hubspot.task_associations",
    },
    "staging.deals": {
        "staging.config_build",
        "staging.crm_owners",
        "staging.hubspot_deal_stages",
        "staging.hubspot_deals",
        "staging.hubspot_links",
        "staging.salesforce_opportunities",
    },
    "staging.funnel_stages": {
        "config.stage_mapping",
        "staging.hubspot_deals",
        "staging.salesforce_opportunities",
    },
}


def write(root, name, sql):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")
    return path


def test_discover_finds_the_core_models_in_dependency_order():
    core = [m for m in discover() if m.schema == "core"]
    assert [m.name for m in core] == [
        "core.contacts",
        "core.activities",
        "core.reps",
        "core.deal_stage_history",
        "core.deals",
    ]
    assert {m.name: set(m.dependencies) for m in core} == CORE_DEPENDENCIES
    deals = core[4]
    assert (deals.schema, deals.table, deals.path) == (
        "core",
        "deals",
        sqlmodels.SQL_ROOT / "core" / "deals.sql",
    )
    assert deals.sql == deals.path.read_text(encoding="utf-8")
    assert isinstance(deals.dependencies, frozenset)


def test_staging_models_read_only_the_landing_tables_and_config():
    staging = {m.name: set(m.dependencies) for m in discover() if m.schema == "staging"}
    assert staging == STAGING_DEPENDENCIES


def test_staging_models_are_views_and_a_model_may_change_kind(engine, tmp_path):
    build_core(engine)
    views = fetch(
        engine, "select schema_name || '.' || view_name as name from duckdb_views() where not internal"
    )
    assert sorted(row["name"] for row in views) == sorted(STAGING_DEPENDENCIES)
    assert fetch(engine, "select comment from duckdb_views() where view_name = 'crm_owners'") == [
        {"comment": DOCS["staging.crm_owners"].description}
    ]
    assert all(m.schema not in sqlmodels.VIEW_SCHEMAS for m in discover() if m.schema != "staging")

    # a table where a staging model now is, and a view where a core model now is: each is replaced
    with engine.begin() as conn:
        conn.exec_driver_sql("create table staging.numbers as select 1 as n")
        conn.exec_driver_sql("create view core.letters as select 'a' as letter")
    root = tmp_path / "sql"
    view = sqlmodels.load(write(root, "staging/numbers.sql", "select * from range(3) as t(n)"), root)
    table = sqlmodels.load(write(root, "core/letters.sql", "select 'b' as letter"), root)
    assert (materialize(engine, view), materialize(engine, table)) == (3, 1)
    kinds = fetch(
        engine,
        "select table_name, table_type from information_schema.tables "
        "where table_name in ('numbers', 'letters') order by 1",
    )
    assert kinds == [
        {"table_name": "letters", "table_type": "BASE TABLE"},
        {"table_name": "numbers", "table_type": "VIEW"},
    ]


def test_every_model_comes_after_the_models_it_reads():
    models = discover()
    position = {m.name: index for index, m in enumerate(models)}
    for model in models:
        read = [position[d] for d in model.dependencies if d in position]
        assert all(p < position[model.name] for p in read), model.name


def test_core_sql_follows_the_house_style():
    for model in discover():
        assert model.sql.rstrip().endswith("select * from final"), model.path


def test_topological_order_with_ties_by_name(tmp_path):
    write(tmp_path, "s/a.sql", "select * from s.b")
    write(tmp_path, "s/b.sql", "with x as (select * from raw.t) select * from x")
    write(tmp_path, "s/c.sql", "select * from range(3)")
    write(tmp_path, "m/z.sql", "select * from s.a join s.c using (range)")
    models = discover(tmp_path)
    assert [m.name for m in models] == ["s.b", "s.a", "s.c", "m.z"]
    assert {m.name: set(m.dependencies) for m in models} == {
        "s.a": {"s.b"},
        "s.b": {"raw.t"},  # the CTE x is not a dependency
        "s.c": set(),  # nor is a table function
        "m.z": {"s.a", "s.c"},
    }


def test_a_cycle_is_an_error_naming_the_models(tmp_path):
    write(tmp_path, "s/a.sql", "select * from s.b")
    write(tmp_path, "s/b.sql", "with t as (select * from s.c) select * from t")
    write(tmp_path, "s/c.sql", "select * from s.a")
    write(tmp_path, "s/d.sql", "select 1 as one")
    with pytest.raises(
        SqlModelError, match=r"cycle: s\.a \(a\.sql\) → s\.b \(b\.sql\) → s\.c \(c\.sql\) → s\.a"
    ):
        discover(tmp_path)


def test_a_model_reading_itself_is_a_cycle(tmp_path):
    write(tmp_path, "s/a.sql", "select * from s.a")
    with pytest.raises(SqlModelError, match=r"cycle: s\.a \(a\.sql\) → s\.a"):
        discover(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "s/broken.sql",
            "select *\nfrom (select 1",
            r"s/broken\.sql: cannot parse the SQL: Expecting \) at line 2, column 14 near '1'$",
        ),
        ("s/two.sql", "select 1; select 2", r"s/two\.sql: a model file holds exactly one SELECT"),
        ("s/ddl.sql", "create table s.x as select 1", r"s/ddl\.sql: a model file holds exactly one SELECT"),
        ("s/empty.sql", "-- nothing\n", r"s/empty\.sql: a model file holds exactly one SELECT"),
        ("s/bare.sql", "select * from orders", r"s/bare\.sql: table 'orders' is neither a CTE"),
        ("s/Bad-Name.sql", "select 1", r"Bad-Name\.sql: the file name 'Bad-Name' is not a table identifier"),
        ("S/x.sql", "select 1", r"S/x\.sql: the folder 'S' is not a table identifier"),
    ],
)
def test_unusable_files_are_errors_naming_the_file(tmp_path, name, content, message):
    write(tmp_path, name, content)
    with pytest.raises(SqlModelError, match=message):
        discover(tmp_path)


def test_unreadable_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "latin.sql").write_bytes(b"select '\xe9' as e")
    with pytest.raises(SqlModelError, match=r"s/latin\.sql: cannot read the file"):
        discover(tmp_path)


CORE_DOCS = {name: doc for name, doc in DOCS.items() if name.startswith("core.")}


def test_every_core_and_staging_column_is_documented_in_table_order(engine):
    build_core(engine)
    assert {name for name in DOCS if name.startswith("staging.")} == set(STAGING_DEPENDENCIES)
    for name, doc in DOCS.items():
        if not name.startswith(("core.", "staging.")):
            continue
        schema, table = name.split(".")
        columns = fetch(
            engine,
            "select column_name from duckdb_columns() where schema_name = :s and table_name = :t "
            "order by column_index",
            s=schema,
            t=table,
        )
        assert [c["column_name"] for c in columns] == list(doc.columns), name


def test_materialize_writes_table_and_column_comments(engine):
    counts = build_core(engine)
    # no landing rows: only the config views hold rows (the build's one row of settings, the default
    # call outcomes, no FX rates, the default seniority terms, the default referral value)
    configured = {
        "staging.config_build": 1,
        "staging.config_call_outcomes": 6,
        "staging.config_fx_rates": 0,
        "staging.config_seniority": 22,
        "staging.config_referral_values": 1,
    }
    empty = dict.fromkeys([*STAGING_DEPENDENCIES, *CORE_DEPENDENCIES], 0)
    assert counts == empty | configured
    comments = fetch(
        engine,
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'core'",
    )
    assert len(comments) == sum(len(doc.columns) for doc in CORE_DOCS.values())
    for row in comments:
        assert row["comment"] == DOCS[f"core.{row['table_name']}"].columns[row["column_name"]]
    tables = fetch(engine, "select table_name, comment from duckdb_tables() where schema_name = 'core'")
    assert {t["table_name"]: t["comment"] for t in tables} == {
        name.split(".")[1]: doc.description for name, doc in CORE_DOCS.items()
    }
    assert "deal_currency_code" in DOCS["core.deals"].columns["currency"]


def test_materialize_creates_the_schema_and_returns_the_row_count(engine, tmp_path):
    model = sqlmodels.load(
        write(tmp_path, "scratch/numbers.sql", "select range as n from range(5);\n"), tmp_path
    )
    assert materialize(engine, model) == 5
    assert materialize(engine, model) == 5  # replaced, not appended
    assert fetch(engine, "select comment from duckdb_tables() where table_name = 'numbers'") == [
        {"comment": None}
    ]


def test_a_failing_model_leaves_the_previous_table(engine, tmp_path):
    good = sqlmodels.load(write(tmp_path, "scratch/t.sql", "select 1 as one"), tmp_path)
    materialize(engine, good)
    bad = sqlmodels.load(write(tmp_path, "scratch/t.sql", "select error('boom') as one"), tmp_path)
    with pytest.raises(Exception, match="boom"):
        materialize(engine, bad)
    assert fetch(engine, "select * from scratch.t") == [{"one": 1}]


def test_build_orders_the_models_it_is_given(engine):
    models = {m.name: m for m in discover()}
    write_config(engine, ReportingConfig(), as_of=datetime(2024, 6, 1, tzinfo=UTC))
    given = ["core.reps", "staging.salesforce_users", "staging.crm_owners", "staging.hubspot_owners"]
    counts = sqlmodels.build(engine, [models[name] for name in given])
    assert list(counts) == [
        "staging.hubspot_owners",
        "staging.salesforce_users",
        "staging.crm_owners",
        "core.reps",
    ]


def test_a_model_whose_inputs_are_missing_fails_naming_them(engine):
    write_config(engine, ReportingConfig(), as_of=datetime(2024, 6, 1, tzinfo=UTC))
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table config.build")
    with pytest.raises(
        SqlModelError,
        match=r"staging/config_build\.sql: staging\.config_build reads config\.build, which the warehouse "
        r"does not have yet; build them first \(config\.\* tables come from the reporting configuration",
    ):
        sqlmodels.build(engine, [m for m in discover() if m.schema in sqlmodels.FROM_RAW])
