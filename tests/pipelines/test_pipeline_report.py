"""The KPI scorecard: written by the `report/scorecard` asset after a real sync of the sandbox (a rep
renamed `<script>alert(1)</script>` in Salesforce, revenue targets for all reps but one), rendered in
headless Chromium: every chart has one mark per non-zero figure of the marts and those marks are on
screen; the page fetches nothing and shows the hostile name as text. Also `barometer report` on the
same warehouse, on a fresh one whose marts are empty, and its errors.

The screenshots are kept in BAROMETER_TEST_ARTIFACTS (default test-artifacts/ in the repository)."""

import base64
import hashlib
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner
from PIL import Image
from pipeline_helpers import sandbox_environment

from connectors.hubspot import specs as hubspot_specs
from connectors.salesforce import specs as salesforce_specs
from models import sqlmodels
from models.coaching import CoachingThresholds
from models.engine import make_engine
from models.raw import ensure_tables
from models.reporting import ReportingConfig, write_config
from models.sqlmodels import discover
from pipelines.cli import main
from pipelines.definitions import build_definitions
from pipelines.demo import sandbox_reporting_toml
from pipelines.report.charts import TONES
from pipelines.report.page import CSP
from pipelines.report.queries import REPORT_MARTS, ReportError, load_scorecard
from pipelines.report_assets import REPORT_KEY
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import catch_up
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>alert(1)</script>"
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=7, reps=6, teams=2, days=120, end=MIDNIGHT - timedelta(days=1), activities=2_500)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=2)).date())
WEEKS = 12
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (Debian: chromium)")

# Writes every chart's box and the page height into the DOM (the test's copy of the page only).
PROBE = (
    "for (const svg of document.querySelectorAll('svg.chart')) {"
    " const r = svg.getBoundingClientRect();"
    " svg.setAttribute('data-box', [r.left + scrollX, r.top + scrollY, r.width, r.height].join(',')); }"
    "document.body.setAttribute('data-height', document.documentElement.scrollHeight);"
)


def artifacts() -> Path:
    folder = Path(os.environ.get("BAROMETER_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium(page: Path, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Charts(HTMLParser):
    """Every `svg.chart` of a page: its data-* attributes and how many marks and references it draws;
    plus the text of the rep cells and the names of every element."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[dict] = []
        self.rep_texts: list[str] = []
        self.tags: Counter[str] = Counter()
        self._chart: dict | None = None
        self._rep_depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "svg" and "chart" in classes:
            self._chart = {**attrs, "marks": 0, "refs": 0}
        elif self._chart is not None and "mark" in classes:
            self._chart["marks"] += 1
        elif self._chart is not None and "ref" in classes:
            self._chart["refs"] += 1
        if tag == "td" and "rep" in classes:
            self._rep_depth, self._text = 1, []
        elif self._rep_depth and tag not in ("br",):
            self._rep_depth += 1

    def handle_endtag(self, tag):
        if tag == "svg" and self._chart is not None:
            self.charts.append(self._chart)
            self._chart = None
        if self._rep_depth:
            self._rep_depth -= 1
            if not self._rep_depth:
                self.rep_texts.append("".join(self._text))

    def handle_data(self, data):
        if self._rep_depth:
            self._text.append(data)

    def of(self, chart: str) -> list[dict]:
        return [c for c in self.charts if c["data-chart"] == chart]


def parse(html: str) -> Charts:
    parser = Charts()
    parser.feed(html)
    parser.close()
    return parser


# -- the warehouse --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One sync of the sandbox through every asset; the scorecard is written beside the warehouse."""
    folder = tmp_path_factory.mktemp("report")
    warehouse = folder / "warehouse.duckdb"
    with Sandbox(SandboxConfig(org=ORG)) as box:
        cur = box.store.cursor()
        user = cur.execute(
            """select "Id" from salesforce."User" where "IsActive" and "Email" not like 'integration%'
               order by "Id" limit 1"""
        ).fetchone()[0]
        box.mutations.update("salesforce", "User", user, {"Name": HOSTILE})
        emails = sorted(
            e
            for (e,) in cur.execute(
                'select lower("Email") from salesforce."User" union select lower(email) from hubspot.owners'
            ).fetchall()
            if e
        )
        period = (MIDNIGHT - timedelta(days=150)).date(), (MIDNIGHT + timedelta(days=40)).date()
        targets = folder / "targets.csv"
        targets.write_text(
            "rep_email,period_start,period_end,revenue_target\n"
            + "".join(
                f"{e},{period[0]},{period[1]},{600_000 + 50_000 * i}\n" for i, e in enumerate(emails[1:])
            ),
            encoding="utf-8",
        )
        reporting = folder / "reporting.toml"
        reporting.write_text(sandbox_reporting_toml(), encoding="utf-8")
        with sandbox_environment(box), dg.DagsterInstance.ephemeral() as instance:
            defs = build_definitions(
                SETTINGS,
                resources={
                    "warehouse": WarehouseResource(location=str(warehouse)),
                    "reporting": ReportingResource(config_file=str(reporting), targets_file=str(targets)),
                },
            )
            outcome = catch_up(defs, instance=instance)
    assert outcome.success, outcome.failures
    return warehouse, outcome, emails[0]


def window(db: duckdb.DuckDBPyConnection) -> tuple[date, date]:
    """The report's first and current week, from the marts' as_of and the reporting timezone."""
    (current,) = db.execute(
        """select cast(date_trunc('week', timezone(b.timezone, max(m.as_of))) as date)
           from marts.rep_weekly_scorecard as m, config.build as b
           group by b.timezone"""
    ).fetchone()
    return current - timedelta(weeks=WEEKS - 1), current


def expected_marks(warehouse: Path) -> dict[tuple, tuple[int, int]]:
    """(chart, rep or '', metric or '') → (marks, references) the page must draw, from the marts."""
    expected: dict[tuple, tuple[int, int]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as db:
        first, current = window(db)
        rows = db.execute(
            """select rep_id, week_start, calls, meetings_held, first_appointments, proposals, deals_won,
                      revenue_won, follow_ups, required_first_appointments, revenue_target
               from marts.rep_weekly_scorecard where week_start between ? and ?""",
            [first, current],
        ).fetchall()
        metrics = (
            "calls",
            "meetings_held",
            "first_appointments",
            "proposals",
            "deals_won",
            "revenue_won",
            "follow_ups",
        )
        for rep in {r[0] for r in rows}:
            mine = [r for r in rows if r[0] == rep]
            for i, metric in enumerate(metrics):
                refs = 0
                if metric == "first_appointments":
                    refs = sum(r[9] is not None for r in mine)
                if metric == "revenue_won":
                    refs = sum(r[10] is not None for r in mine)
                expected["weekly", rep, metric] = (sum(r[2 + i] > 0 for r in mine), refs)
            now = [r for r in mine if r[1] == current]
            expected["barometer", rep, ""] = (
                int(bool(now) and now[0][4] > 0),
                int(bool(now) and now[0][9] is not None),
            )
        weeks = {w: [r for r in rows if r[1] == w] for w in {r[1] for r in rows}}
        expected["team-activity", "", ""] = (
            sum(sum(r[4] for r in rs) > 0 for rs in weeks.values()),
            sum(any(r[9] is not None for r in rs) for rs in weeks.values()),
        )
        expected["team-results", "", ""] = (
            sum(sum(r[7] for r in rs) > 0 for rs in weeks.values()),
            sum(any(r[10] is not None for r in rs) for rs in weeks.values()),
        )
        cohorts = db.execute(
            """select sum(first_appointments), sum(reached_proposal), sum(won) from marts.funnel_monthly
               where cohort_month >= ? and rep_id is not null group by cohort_month""",
            [first.replace(day=1)],
        ).fetchall()
        expected["funnel", "", ""] = (sum(v > 0 for row in cohorts for v in row), 0)
        expected.update(expected_reach_marks(db, first, {r[0] for r in rows}))
        expected.update(expected_month_marks(db, first))
        (quarter,) = db.execute("select cast(date_trunc('quarter', ?::date) as date)", [current]).fetchone()
        peers = db.execute(
            """select rep_id, quarter_start, win_rate_vs_team_pts, revenue_per_sale_vs_team_pct,
                      sales_cycle_vs_team_pct
               from marts.rep_peer_comparison
               where quarter_start >= cast(? as date) - interval 3 month and rep_id is not null""",
            [quarter],
        ).fetchall()
        for rep, start, *values in peers:
            for metric, value in zip(("win_rate", "revenue_per_sale", "sales_cycle"), values, strict=True):
                expected["peer", f"{rep}@{start}", metric] = (int(value is not None and value != 0), 0)
    return expected


def expected_month_marks(db: duckdb.DuckDBPyConnection, first: date) -> dict[tuple, tuple[int, int]]:
    """The monthly results' charts: per rep with a row in the months shown (from the first week's month,
    or 6 months back if earlier, to the as-of month) and for the team, one mark per month with revenue
    won and one reference per month with a target."""
    (now,) = db.execute(
        """select cast(date_trunc('month', timezone(b.timezone, max(m.as_of))) as date)
           from marts.rep_weekly_scorecard as m, config.build as b group by b.timezone"""
    ).fetchone()
    start = min(first.replace(day=1), (now.replace(day=15) - timedelta(days=5 * 30.4)).replace(day=1))
    rows = db.execute(
        """select rep_id, month_start, revenue_won, revenue_target from marts.rep_monthly_results
           where month_start between ? and ? and rep_id is not null""",
        [start, now],
    ).fetchall()
    expected: dict[tuple, tuple[int, int]] = {}
    for rep in {r[0] for r in rows}:
        mine = [r for r in rows if r[0] == rep]
        expected["rep-months", rep, ""] = (sum(r[2] > 0 for r in mine), sum(r[3] is not None for r in mine))
    months = {m: [r for r in rows if r[1] == m] for m in {r[1] for r in rows}}
    team = (
        sum(sum(r[2] for r in rs) > 0 for rs in months.values()),
        sum(any(r[3] is not None for r in rs) for rs in months.values()),
    )
    if rows:
        expected["rep-months", "", ""] = team
        expected["team-months", "", ""] = team
    return expected


def expected_reach_marks(db: duckdb.DuckDBPyConnection, first: date, reps: set[str]) -> dict[tuple, tuple]:
    """The at-the-top charts per rep (every rep of the weekly grid, at zero without a cohort) and for the
    team: one mark per non-zero part of the first appointments (at the top, others) and per non-zero
    appointment → proposal rate (at the top, others)."""
    totals = db.execute(
        """select rep_id, sum(first_appointments), sum(executive_first_appointments), sum(reached_proposal),
                  sum(executive_reached_proposal)
           from marts.funnel_monthly where cohort_month >= ? and rep_id is not null group by rep_id""",
        [first.replace(day=1)],
    ).fetchall()
    figures = {rep: (0, 0, 0, 0) for rep in reps} | {rep: tuple(values) for rep, *values in totals}
    team = tuple(sum(values) for values in zip(*figures.values(), strict=True)) if figures else (0, 0, 0, 0)
    expected: dict[tuple, tuple[int, int]] = {}
    if not team[0]:
        return expected  # the section's empty note instead of charts
    for rep, (first_appointments, top, reached, top_reached) in {**figures, "": team}.items():
        expected["top-share", rep, ""] = ((top > 0) + (first_appointments - top > 0), 0)
        expected["top-conversion", rep, ""] = ((top_reached > 0) + (reached - top_reached > 0), 0)
    return expected


# -- rendering ------------------------------------------------------------------------------------


def render_in_chromium(page: Path, folder: Path, name: str) -> tuple[Charts, Path]:
    """`page` in Chromium: the DOM (with each chart's box, from a probing copy of the page) and a
    screenshot of the page itself, kept as the artifacts `<name>.png` and `<name>.html`."""
    html = page.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    probe = folder / "probe.html"
    probe.write_text(
        html.replace(CSP, f"{CSP}; script-src 'sha256-{digest}'").replace(
            "</body>", f"<script>{PROBE}</script></body>"
        ),
        encoding="utf-8",
    )
    dom = chromium(
        probe, folder / "profile", "--window-size=1280,1000", "--virtual-time-budget=2000", "--dump-dom"
    )
    height = int(dom.split('data-height="', 1)[1].split('"', 1)[0])
    screenshot = artifacts() / f"{name}.png"
    chromium(page, folder / "profile", f"--window-size=1280,{height}", f"--screenshot={screenshot}")
    shutil.copyfile(page, artifacts() / f"{name}.html")
    return parse(dom), screenshot


def assert_marks_on_screen(dom: Charts, screenshot: Path) -> None:
    """Mark-coloured pixels inside every chart that has marks, none in a chart without."""
    image = Image.open(screenshot).convert("RGB")
    colours = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in TONES.values()]

    def mark_pixels(box: str) -> int:
        x, y, w, h = (round(float(v)) for v in box.split(","))
        region = image.crop((x, y, x + max(w, 1), y + max(h, 1)))
        return sum(
            n
            for n, pixel in region.getcolors(maxcolors=1 << 20)
            if any(max(abs(a - b) for a, b in zip(pixel, c, strict=True)) <= 24 for c in colours)
        )

    for chart in dom.charts:
        pixels = mark_pixels(chart["data-box"])
        where = f"{chart['data-chart']} {chart.get('data-rep', '')} {chart.get('data-metric', '')}"
        if chart["marks"]:
            assert pixels >= 4 * chart["marks"], f"{where}: {chart['marks']} marks, {pixels} pixels on screen"
        else:
            assert pixels == 0, f"{where}: no marks but {pixels} mark-coloured pixels"


@pytest.fixture(scope="module")
def rendered(built, tmp_path_factory):
    """The asset's page in Chromium (render_in_chromium), with its HTML."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: chromium)")
    _, outcome, _ = built
    page = Path(outcome.metadata[REPORT_KEY.to_user_string()]["path"])
    dom, screenshot = render_in_chromium(page, tmp_path_factory.mktemp("chromium"), "scorecard")
    return page.read_text(encoding="utf-8"), dom, screenshot


def test_every_build_writes_the_scorecard_beside_the_warehouse(built):
    warehouse, outcome, _ = built
    metadata = outcome.metadata[REPORT_KEY.to_user_string()]
    page = warehouse.with_name("warehouse-scorecard.html")
    assert metadata["path"] == str(page)
    assert metadata["bytes"] == page.stat().st_size > 20_000
    assert metadata["weeks"] == WEEKS
    with duckdb.connect(str(warehouse), read_only=True) as db:
        first, current = window(db)
        (reps,) = db.execute(
            """select count(distinct rep_id) from (
                   select rep_id from marts.rep_weekly_scorecard where week_start between ? and ?
                   union all
                   select rep_id from marts.funnel_monthly where cohort_month between ? and ?)""",
            [first, current, first.replace(day=1), current + timedelta(days=7)],
        ).fetchone()
    assert metadata["reps"] == reps >= 6


@needs_chromium
def test_every_chart_draws_one_mark_per_figure_and_shows_them_on_screen(built, rendered, capsys):
    warehouse, _, _ = built
    _, dom, screenshot = rendered
    with capsys.disabled():
        print(f"\n  scorecard screenshot (test artifact): {screenshot}")
    expected = expected_marks(warehouse)
    drawn: dict[tuple, tuple[int, int]] = {}
    for chart in dom.charts:
        rep = chart.get("data-rep", "")
        if chart["data-chart"] == "peer":
            rep = f"{rep}@{chart['data-quarter']}"
        drawn[chart["data-chart"], rep, chart.get("data-metric", "")] = (chart["marks"], chart["refs"])
    assert drawn == expected
    assert sum(marks for marks, _ in expected.values()) > 300  # a real page, not a near-empty one
    assert {kind for kind, _, _ in expected} == {
        "weekly",
        "barometer",
        "team-activity",
        "team-results",
        "funnel",
        "top-share",
        "top-conversion",
        "peer",
        "team-months",
        "rep-months",
    }
    assert_marks_on_screen(dom, screenshot)


@needs_chromium
def test_the_page_is_self_contained_and_shows_a_hostile_rep_name_as_text(built, rendered):
    html, dom, _ = rendered
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert "<script" not in html.lower()  # no script at all: the rep's name is escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for fetching in ("http://", "https://", " src=", " href=", "<link", "url(", "@import"):
        assert fetching not in html, fetching
    assert any(text.startswith(HOSTILE) for text in dom.rep_texts)  # rendered as text in the rep cells
    assert dom.tags["script"] == 1  # the probe's own, nothing from the data


@needs_chromium
def test_a_fresh_warehouse_with_empty_marts_gives_a_page_saying_so(tmp_path):
    warehouse = tmp_path / "fresh.duckdb"
    engine = make_engine(warehouse)
    ensure_tables(engine, (*salesforce_specs.SPECS, *hubspot_specs.ALL))
    write_config(engine, ReportingConfig(), as_of=datetime.now(UTC))
    sqlmodels.build(engine, discover())
    engine.dispose()
    result = CliRunner().invoke(
        main, ["report", "--database", str(warehouse)], env={"BAROMETER_REPORT_FILE": ""}
    )
    assert result.exit_code == 0, result.output
    page = warehouse.with_name("fresh-scorecard.html")
    assert f"Scorecard written: {page}" in result.output
    screenshot = artifacts() / "scorecard-empty.png"
    dom = chromium(
        page, tmp_path / "profile", "--window-size=1280,1200", f"--screenshot={screenshot}", "--dump-dom"
    )
    for note in (
        "No rep has activity, results or a revenue target in the week of",
        "No activity, results or targets in the 12 weeks shown.",
        "No first appointments in the months shown",
        "No first appointments in the months shown: nothing at the top yet.",
        "No deal closed this quarter or last",
        "No sync recorded in this warehouse",
        "No coaching figures yet: no first appointment, closed proposal or magic number in any quarter.",
        "No win and no revenue target in the months shown.",
    ):
        assert note in dom
    assert parse(dom).charts == []


def test_the_report_command_writes_where_asked_and_explains_what_is_wrong(built, tmp_path, monkeypatch):
    warehouse, _, _ = built
    runner = CliRunner()
    out = tmp_path / "out" / "four-weeks.html"
    result = runner.invoke(main, ["report", "--database", str(warehouse), "--out", str(out), "--weeks", "4"])
    assert result.exit_code == 0, result.output
    assert f"Scorecard written: {out} (" in result.output
    assert "4 weeks" in result.output
    assert len(parse(out.read_text(encoding="utf-8")).of("team-activity")) == 1
    found = tables(out.read_text(encoding="utf-8"))
    for table in ("team", "months"):  # by week, by month: the current one once, the first row
        assert [i for i, row in enumerate(found.tables[table][1:]) if "(so far)" in row[0]] == [0]

    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETER_REPORT_FILE", str(tmp_path / "from-env.html"))
    result = runner.invoke(main, ["report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env.html").is_file()

    missing = tmp_path / "nowhere.duckdb"
    result = runner.invoke(main, ["report", "--database", str(missing)])
    assert result.exit_code == 1
    assert f"no warehouse at {missing}" in result.output
    assert "run `barometer demo` (the sandbox) or `barometer sync` (your CRMs) first" in result.output
    assert not missing.exists()

    raw_only = tmp_path / "raw-only.duckdb"
    engine = make_engine(raw_only)
    ensure_tables(engine, salesforce_specs.SPECS)
    engine.dispose()
    result = runner.invoke(main, ["report", "--database", str(raw_only)])
    assert result.exit_code == 1
    assert "the warehouse has no KPI marts yet (missing config.build, marts." in result.output

    for weeks in ("0", "105", "twelve"):
        result = runner.invoke(main, ["report", "--database", str(warehouse), "--weeks", weeks])
        assert result.exit_code == 2
        assert "Invalid value for '--weeks'" in result.output


def test_the_scorecard_asset_follows_every_mart_in_the_warehouse_pool():
    definitions = build_definitions(SETTINGS)
    node = definitions.resolve_asset_graph().get(REPORT_KEY)
    marts = {dg.AssetKey(m.name.split(".")) for m in discover() if m.schema == "marts"}
    assert set(node.parent_keys) == marts
    assert node.group_name == "report"
    assert definitions.resolve_assets_def(REPORT_KEY).op.pool == "warehouse"
    rebuild = definitions.resolve_job_def("rebuild")
    assert REPORT_KEY in rebuild.asset_layer.asset_graph.get_all_asset_keys()


def test_a_warehouse_whose_build_row_is_missing_says_to_build_first():
    with duckdb.connect() as con:
        con.execute("create schema config; create schema marts")
        con.execute("create table config.build (timezone varchar, currency varchar, as_of timestamptz)")
        for name in REPORT_MARTS:
            con.execute(f"create table {name} (as_of timestamptz)")
        with pytest.raises(ReportError) as raised:
            load_scorecard(con, weeks=12)
    assert str(raised.value) == (
        "config.build is empty; run `barometer demo` (the sandbox) or `barometer sync` (your CRMs) first"
    )


# -- follow-ups and first appointments at the top, from mart rows we write ------------------------

AS_OF = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday: the weeks shown are 7 Sep – 23 Nov 2026
WEEK_COUNTS = ("calls", "connected_calls", "meetings_held", "first_appointments", "proposals", "deals_won")
WEEK_COUNTS += ("deals_lost", "emails_sent", "tasks_completed", "follow_ups", "executive_first_appointments")
ADA, BO, CY = "sf:ada", "sf:bo", "hs:cy"
NAMES = {ADA: "Ada", BO: "Bo", CY: "Cy"}


def week(rep: str, start: str, **counts: int) -> dict:
    """A marts.rep_weekly_scorecard row: the counts given, the others 0 (follow_ups = e-mails + tasks)."""
    row = dict.fromkeys(WEEK_COUNTS, 0) | {"revenue_won": 0} | counts
    row["follow_ups"] = row["emails_sent"] + row["tasks_completed"]
    return {"week_start": date.fromisoformat(start), "rep_id": rep, "rep_name": NAMES[rep], **row}


def cohort(rep: str, month: str, first: int, reached: int, won: int, top: int, top_reached: int) -> dict:
    """A marts.funnel_monthly row (the rates are the mart's business, the page recomputes from counts)."""
    return {
        "cohort_month": date.fromisoformat(month),
        "rep_id": rep,
        "rep_name": NAMES[rep],
        "first_appointments": first,
        "reached_proposal": reached,
        "won": won,
        "executive_first_appointments": top,
        "executive_reached_proposal": top_reached,
    }


def controlled_page(
    folder: Path,
    weeks: Sequence[dict] = (),
    cohorts: Sequence[dict] = (),
    *,
    coaching: Sequence[dict] = (),
    months: Sequence[dict] = (),
    config: ReportingConfig | None = None,
) -> tuple[Path, str]:
    """A warehouse built empty (with `config`), then given exactly these mart rows; `barometer report` on
    it."""
    warehouse = folder / "controlled.duckdb"
    engine = make_engine(warehouse)
    ensure_tables(engine, (*salesforce_specs.SPECS, *hubspot_specs.ALL))
    write_config(engine, config or ReportingConfig(), as_of=AS_OF)
    sqlmodels.build(engine, discover())
    engine.dispose()
    with duckdb.connect(str(warehouse)) as db:
        for table, rows in (
            ("marts.rep_weekly_scorecard", weeks),
            ("marts.funnel_monthly", cohorts),
            ("marts.rep_coaching", coaching),
            ("marts.rep_monthly_results", months),
        ):
            for row in rows:
                values = {**row, "as_of": AS_OF}
                db.execute(
                    f"insert into {table} ({', '.join(values)}) values ({', '.join('?' * len(values))})",
                    list(values.values()),
                )
    page = folder / "controlled.html"
    result = CliRunner().invoke(main, ["report", "--database", str(warehouse), "--out", str(page)])
    assert result.exit_code == 0, result.output
    return page, page.read_text(encoding="utf-8")


class Tables(HTMLParser):
    """The text of each cell of each table, by the table's class, and of each tile (charts left out;
    the pieces of a cell or tile joined by a space)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tiles: list[str] = []
        self._rows: list[list[str]] | None = None
        self._text: list[str] | None = None
        self._tile_depth = 0
        self._svg = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self._svg += tag == "svg"
        if tag == "table":
            self._rows = self.tables.setdefault(classes[0], [])
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._text = []
        elif tag == "div" and (self._tile_depth or "tile" in classes):
            self._tile_depth += 1
            self._text = [] if self._tile_depth == 1 else self._text

    def handle_endtag(self, tag):
        self._svg -= tag == "svg"
        if tag in ("td", "th") and self._rows is not None:
            self._rows[-1].append(self._joined())
        elif tag == "table":
            self._rows = None
        elif tag == "div" and self._tile_depth:
            self._tile_depth -= 1
            if not self._tile_depth:
                self.tiles.append(self._joined())

    def handle_data(self, data):
        if self._text is not None and not self._svg and data.strip():
            self._text.append(data.strip())

    def _joined(self) -> str:
        text, self._text = " ".join(self._text or []), None
        return text


def tables(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    parser.close()
    return parser


def rows_of(parser: Tables, table: str, first_cell: str) -> list[str]:
    (row,) = [r for r in parser.tables[table] if r and r[0].startswith(first_cell)]
    return row


def test_follow_ups_and_first_appointments_at_the_top_are_computed_from_the_counts(tmp_path):
    _, html = controlled_page(
        tmp_path,
        weeks=[
            week(
                ADA,
                "2026-11-16",
                calls=10,
                connected_calls=4,
                meetings_held=3,
                first_appointments=2,
                emails_sent=5,
                tasks_completed=2,
                executive_first_appointments=1,
            ),
            week(ADA, "2026-11-23", calls=3, emails_sent=1),
            week(ADA, "2026-08-31", calls=40, emails_sent=50, tasks_completed=9),  # before the weeks shown
            week(BO, "2026-11-09", meetings_held=2, first_appointments=2, tasks_completed=1),
            week(CY, "2026-11-23", calls=6, emails_sent=4, tasks_completed=3),  # no first appointment
        ],
        cohorts=[
            cohort(ADA, "2026-10-01", first=4, reached=2, won=1, top=3, top_reached=2),
            cohort(ADA, "2026-11-01", first=3, reached=1, won=0, top=0, top_reached=0),
            cohort(ADA, "2026-08-01", first=5, reached=5, won=5, top=5, top_reached=5),  # before Sep
            cohort(BO, "2026-11-01", first=2, reached=1, won=0, top=0, top_reached=0),
        ],
    )
    found = tables(html)

    # Follow-ups beside calls and meetings: each rep's total over the weeks shown, split.
    grid = found.tables["grid"]
    assert grid[0][:4] == ["Rep", "Calls", "Follow-ups", "Meetings held"]
    assert rows_of(found, "grid", "Ada")[1:3] == ["13 · 4 connected", "8 · 6 e-mails, 2 tasks"]
    assert rows_of(found, "grid", "Bo")[2] == "1 · 0 e-mails, 1 task"
    assert rows_of(found, "grid", "Cy")[2] == "7 · 4 e-mails, 3 tasks"
    assert "16 Nov: 7 follow-ups (5 e-mails, 2 tasks)" in html  # Ada's bar title
    assert "16 Nov: 2 first appointments (1 at the top)" in html
    head = found.tables["team"][0]
    team_week = dict(zip(head, rows_of(found, "team", "23 Nov 2026"), strict=True))
    assert [team_week[c] for c in ("Calls", "E-mails sent", "Tasks done", "First appts", "At the top")] == [
        "9",
        "5",
        "3",
        "0",
        "0",
    ]
    team_week = dict(zip(head, rows_of(found, "team", "16 Nov 2026"), strict=True))
    assert [team_week[c] for c in ("E-mails sent", "Tasks done", "First appts", "At the top")] == [
        "5",
        "2",
        "2",
        "1",
    ]

    # At the top: cohorts Sep – Nov; Ada 3 of 7, 2 of 3 → proposal against 1 of 4 (25%); Bo none at
    # the top; Cy no first appointment at all (dashes, not 0%); the team from the counts, not from the
    # reps' percentages (which would average to 21% at the top).
    assert found.tables["top"][0] == [
        "Rep",
        "First appts",
        "At the top",
        "Share at the top",
        "At the top → proposal",
        "Others → proposal",
        "Appt → proposal",
        "Difference",
    ]
    assert [row[:3] + row[4:6] + row[7:] for row in found.tables["top"][1:]] == [  # charts' cells left out
        ["Ada sf:ada", "7", "3 of 7 (43%)", "2 of 3 (67%)", "1 of 4 (25%)", "+41.7 pts"],
        ["Bo sf:bo", "2", "0 of 2 (0%)", "—", "1 of 2 (50%)", "—"],
        ["Cy hs:cy", "0", "—", "—", "—", "—"],
        ["Team", "9", "3 of 9 (33%)", "2 of 3 (67%)", "2 of 6 (33%)", "+33.3 pts"],
    ]
    assert found.tiles[-3:] == [
        "33% first appointments at the top: 3 of 9",
        "67% at the top → proposal: 2 of 3",
        "33% other first appts → proposal: 2 of 6",
    ]
    assert top_marks(parse(html)) == {
        ("top-share", ADA): 2,
        ("top-conversion", ADA): 2,
        ("top-share", BO): 1,
        ("top-conversion", BO): 1,
        ("top-share", CY): 0,
        ("top-conversion", CY): 0,
        ("top-share", ""): 2,
        ("top-conversion", ""): 2,
    }


def top_marks(dom: Charts) -> dict[tuple[str, str], int]:
    """(at-the-top chart, rep or '' for the team) → its marks."""
    return {
        (c["data-chart"], c.get("data-rep", "")): c["marks"] for c in dom.charts if "top" in c["data-chart"]
    }


@needs_chromium
def test_a_team_without_executive_appointments_shows_no_rate_at_the_top_in_the_browser(tmp_path):
    page, _ = controlled_page(
        tmp_path,
        weeks=[
            week(ADA, "2026-11-16", meetings_held=3, first_appointments=3, emails_sent=2),
            week(BO, "2026-11-23", calls=4, tasks_completed=1),
        ],
        cohorts=[cohort(ADA, "2026-11-01", first=3, reached=1, won=0, top=0, top_reached=0)],
    )
    dom, screenshot = render_in_chromium(page, tmp_path, "scorecard-no-executive")
    found = tables(page.read_text(encoding="utf-8"))
    assert [row[:3] + row[4:6] + row[7:] for row in found.tables["top"][1:]] == [
        ["Ada sf:ada", "3", "0 of 3 (0%)", "—", "1 of 3 (33%)", "—"],
        ["Bo sf:bo", "0", "—", "—", "—", "—"],
        ["Team", "3", "0 of 3 (0%)", "—", "1 of 3 (33%)", "—"],
    ]
    assert found.tiles[-3:] == [
        "0% first appointments at the top: 0 of 3",
        "— at the top → proposal: none to measure",
        "33% other first appts → proposal: 1 of 3",
    ]
    assert rows_of(found, "grid", "Bo")[1:3] == ["4 · 0 connected", "1 · 0 e-mails, 1 task"]
    # In the browser: only the other first appointments are drawn, and they are on screen.
    assert top_marks(dom) == {
        ("top-share", ADA): 1,
        ("top-conversion", ADA): 1,
        ("top-share", BO): 0,
        ("top-conversion", BO): 0,
        ("top-share", ""): 1,
        ("top-conversion", ""): 1,
    }
    assert_marks_on_screen(dom, screenshot)


# -- where to coach and the monthly results, from mart rows we write ------------------------------

COACH_FLAGS = ("below_appointment_to_proposal", "below_closing_ratio", "below_barometer")
COACH_FLAGS += ("low_revenue_per_sale", "fast_sales_cycle")


def coaching_row(rep: str, quarter: str, flags: str, **figures: float | None) -> dict:
    """A marts.rep_coaching row: the figures given (the others NULL), the flags raised as the letters of
    `flags` (a: appointment → proposal, c: closing, b: barometer, r: revenue per sale, f: fast cycle), a
    flag FALSE where its figure is given, NULL where it is not."""
    row = {"quarter_start": date.fromisoformat(quarter), "rep_id": rep, "rep_name": NAMES[rep], **figures}
    columns = dict(zip("acbrf", COACH_FLAGS, strict=True))
    figure_of = dict(zip(COACH_FLAGS, FIGURES, strict=True))
    for letter, flag in columns.items():
        row[flag] = True if letter in flags else (False if figures.get(figure_of[flag]) is not None else None)
    return row


FIGURES = ("appointment_to_proposal_rate", "closing_ratio", "activity_barometer_pct")
FIGURES += ("revenue_per_sale_vs_team_pct", "sales_cycle_vs_team_pct")
EVERYTHING = dict(zip(FIGURES, (0.2, 0.5, 50.0, -60.0, 10.0), strict=True))


def coach_rows(found: Tables) -> list[list[str]]:
    return found.tables["coach"][1:]


def test_where_to_coach_lists_each_flag_against_its_threshold_with_a_next_step(tmp_path):
    _, html = controlled_page(
        tmp_path,
        coaching=[
            # Ada: three flags, closing ratio without data (NULL: not raised), a fast cycle to share.
            coaching_row(
                ADA,
                "2026-10-01",
                "abrf",
                appointment_to_proposal_rate=0.48,
                executive_reach_pct=25.0,
                activity_barometer_pct=72.4,
                revenue_per_sale_vs_team_pct=-45.0,
                sales_cycle_vs_team_pct=-35.0,
            ),
            coaching_row(BO, "2026-10-01", "acbr", **EVERYTHING),  # every problem flag
            coaching_row(CY, "2026-10-01", "", activity_barometer_pct=120.0),  # nothing to coach
            coaching_row(CY, "2026-07-01", "acbr", **EVERYTHING),  # an earlier quarter: not shown
        ],
        config=ReportingConfig(coaching=CoachingThresholds(appointment_to_proposal_rate=0.55)),
    )
    found = tables(html)
    assert html.index('id="coach"') < html.index('id="this-week"')  # at the top of the page
    assert "Q4 2026 (so far): each rep whose figures are past a coaching threshold" in html
    assert "2 of 3 reps with figures in Q4 2026 (so far) need coaching." in html
    assert found.tables["coach"][0] == ["Rep", "Flag: figure (threshold)", "Next step"]
    rows = coach_rows(found)
    # Bo first (four flags), the rep cell spans the rep's rows; the thresholds are the configured ones.
    assert [row[:-1] for row in rows] == [
        ["Bo sf:bo", "appointment → proposal 20% (threshold 55%)"],
        ["closing ratio 50% (threshold 65%)"],
        ["activity barometer 50% (threshold 100%)"],
        ["revenue per sale vs team −60% (threshold −40%)"],
        ["Ada sf:ada no data: closing ratio", "appointment → proposal 48% (threshold 55%)"],
        ["activity barometer 72% (threshold 100%)"],
        ["revenue per sale vs team −45% (threshold −40%)"],
    ]
    steps = [row[-1] for row in rows]
    assert steps[0].startswith("Define what the first appointment must lead to: agree the second appointment")
    assert "start at the top — meet the executive" in steps[0]
    assert "(25% of this quarter's first appointments were at the top)" in steps[4]
    assert "of this quarter's first appointments" not in steps[0]  # Bo: no executive reach figure
    assert steps[1].startswith("Go through this quarter's lost proposals")
    assert steps[2].startswith("Train appointment setting and raise activity to the magic number")
    assert steps[3].startswith("Revenue per sale: qualify bigger opportunities")
    assert found.tables["practices"][1:] == [
        [
            "Ada sf:ada",
            "sales cycle vs team −35% (threshold −30%)",
            "Ask Ada to show the team how their deals get from first appointment to close so fast.",
        ]
    ]
    assert "Cy" not in str(rows)


def test_the_header_counts_every_rep_the_page_names(tmp_path):
    # Ada only in the weeks, Bo only flagged in where to coach, Cy only in the monthly results
    _, html = controlled_page(
        tmp_path,
        weeks=[week(ADA, "2026-11-16", calls=4)],
        coaching=[coaching_row(BO, "2026-10-01", "acbr", **EVERYTHING)],
        months=[month(CY, "2026-11-01", won=1, revenue=5_000)],
    )
    assert "<span>Reps <b>3</b></span>" in html
    for name in ("Ada", "Bo", "Cy"):
        assert f">{name}<" in html or f">{name} " in html, name


def test_where_to_coach_says_so_plainly_when_no_rep_is_flagged(tmp_path):
    _, html = controlled_page(
        tmp_path,
        coaching=[
            coaching_row(ADA, "2026-10-01", "", closing_ratio=0.9, sales_cycle_vs_team_pct=-10.0),
            coaching_row(BO, "2026-10-01", ""),  # every figure NULL: no data, no flag
            coaching_row(BO, "2026-07-01", "acbr", **EVERYTHING),  # last quarter's flags do not count
        ],
    )
    found = tables(html)
    assert "No rep needs coaching in Q4 2026 (so far): 2 reps with figures, none past a threshold." in html
    assert not {"coach", "practices"} & set(found.tables)


def month(rep: str, start: str, won: int = 0, revenue: int = 0, **figures: int | None) -> dict:
    """A marts.rep_monthly_results row (the deviations are the mart's business, the page recomputes)."""
    return {
        "month_start": date.fromisoformat(start),
        "rep_id": rep,
        "rep_name": NAMES[rep],
        "deals_won": won,
        "revenue_won": revenue,
        "new_customers": 0,
        "new_customer_revenue": 0,
        "referral_deals_won": 0,
        "referral_revenue": 0,
        **figures,
    }


MONTHS = [
    month(
        ADA,
        "2026-10-01",
        2,
        30_000,
        new_customers=1,
        new_customer_revenue=20_000,
        referral_deals_won=1,
        referral_revenue=10_000,
        revenue_target=40_000,
        expected_to_date=40_000,
    ),
    month(ADA, "2026-11-01", 1, 5_000, revenue_target=30_000, expected_to_date=26_000),
    month(ADA, "2026-05-01", 9, 90_000, revenue_target=10_000, expected_to_date=10_000),  # before June
    month(BO, "2026-10-01", 1, 12_000),  # a win without a target
    month(BO, "2026-11-01", revenue_target=20_000, expected_to_date=17_333.33),  # a target and no win
    month(CY, "2026-12-01", revenue_target=50_000, expected_to_date=0),  # a future month
]


def test_monthly_results_against_the_target_with_the_pace_of_the_current_month(tmp_path):
    _, html = controlled_page(tmp_path, months=MONTHS)
    found = tables(html)
    # Months shown: June (six back from November; the weeks start in September) to November, latest first.
    team = found.tables["months"]
    assert [row[0] for row in team[1:]] == [
        "Nov 2026 (so far)",
        "Oct 2026",
        "Sep 2026",
        "Aug 2026",
        "Jul 2026",
        "Jun 2026",
    ]
    by_month = {row[0]: dict(zip(team[0], row, strict=True)) for row in team[1:]}
    # November: 5,000 won against 30,000 + 20,000, expected so far 26,000 + 17,333.33.
    assert [by_month["Nov 2026 (so far)"][c] for c in team[0][1:]] == [
        "1",
        "$5,000",
        "$50,000",
        "−$45,000",
        "−90%",
        "$43,333",
        "−88%",
        "0",
        "$0",
        "0",
        "$0",
    ]
    # October: Bo's win without a target counts in revenue won; the target is Ada's alone.
    assert [by_month["Oct 2026"][c] for c in team[0][1:]] == [
        "3",
        "$42,000",
        "$40,000",
        "+$2,000",
        "+5%",
        "$40,000",
        "+5%",
        "1",
        "$20,000",
        "1",
        "$10,000",
    ]
    assert [by_month["Sep 2026"][c] for c in team[0][1:5]] == ["0", "$0", "—", "—"]
    assert [row[:1] + row[2:] for row in found.tables["rep-months"][1:]] == [  # the chart's cell left out
        ["Ada sf:ada", "$35,000", "$70,000", "−50%", "$66,000", "−47%", "1 ($20,000)", "$10,000 (1 win)"],
        ["Bo sf:bo", "$12,000", "$20,000", "−40%", "$17,333", "−31%", "0 ($0)", "$0 (0 wins)"],
        ["Team", "$47,000", "$90,000", "−48%", "$83,333", "−44%", "1 ($20,000)", "$10,000 (1 win)"],
    ]
    assert found.tiles[:3] == [
        "$5.0k / $43.3k revenue won / expected by now this month (−88%)",
        "0 new customers this month ($0)",
        "$0 referral revenue this month (0 wins)",
    ]
    marks = {(c["data-chart"], c.get("data-rep", "")): (c["marks"], c["refs"]) for c in parse(html).charts}
    assert marks["team-months", ""] == (2, 2)
    assert (marks["rep-months", ADA], marks["rep-months", BO], marks["rep-months", ""]) == (
        (2, 2),
        (1, 1),
        (2, 2),
    )
    team_chart = re.search(r'<svg[^>]*data-chart="team-months".*?</svg>', html).group(0)
    assert team_chart.count('class="pace"') == 1  # the current month's pace tick, nothing else
    assert "Nov 2026: $5,000 won, target $50,000 (−90%)" in team_chart


@needs_chromium
def test_where_to_coach_and_the_monthly_chart_in_the_browser(tmp_path):
    page, _ = controlled_page(
        tmp_path,
        coaching=[coaching_row(BO, "2026-10-01", "acbr", **EVERYTHING)],
        months=MONTHS,
    )
    dom, screenshot = render_in_chromium(page, tmp_path, "scorecard-coaching")
    assert "Bosf:bo" in dom.rep_texts  # the coaching table, read back from the browser's DOM
    assert [row[1] for row in coach_rows(tables(page.read_text(encoding="utf-8")))[:1]] == [
        "appointment → proposal 20% (threshold 60%)"
    ]
    found = {(c["data-chart"], c.get("data-rep", "")): c["marks"] for c in dom.charts}
    assert found["team-months", ""] == 2
    assert (found["rep-months", ADA], found["rep-months", BO]) == (2, 1)
    assert_marks_on_screen(dom, screenshot)
