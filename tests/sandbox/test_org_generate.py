"""The synthetic sales org: deterministic, shaped like a sales team, complete with the awkward cases
real CRMs hold, and internally consistent (every reference resolves, every invariant holds)."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from sandbox.hubspot.objects import CALL_DISPOSITIONS, HOBJECTS
from sandbox.org.config import OrgConfig
from sandbox.org.generate import OrgSummary, StoreNotEmptyError, generate, store_tables
from sandbox.org.hubspot_records import CUSTOM_DISPOSITION
from sandbox.org.text import HOSTILE_TEXTS
from sandbox.salesforce.ids import to_18
from sandbox.salesforce.objects import KEY_PREFIXES, SOBJECTS
from sandbox.store import Store

END = datetime(2025, 3, 3)
CONNECTED_GUID = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
SF_CONNECTED = r"regexp_replace(lower(trim(CallDisposition)), '[\s-]+', '_', 'g') = 'connected'"
DEFAULT_SF_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
DEFAULT_HS_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)


@pytest.fixture(scope="module")
def org() -> tuple[Store, OrgSummary]:
    """The default demo org (20,000 activities), with a fixed end."""
    store = Store()
    summary = generate(OrgConfig(seed=11, end=END), store)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def store(org) -> Store:
    return org[0]


@pytest.fixture(scope="module")
def summary(org) -> OrgSummary:
    return org[1]


def scalar(store: Store, sql: str, *params):
    return store.cursor().execute(sql, list(params)).fetchone()[0]


def rows(store: Store, sql: str, *params) -> list[tuple]:
    return store.cursor().execute(sql, list(params)).fetchall()


def table_digests(store: Store) -> dict[str, str]:
    digests = {}
    for table in store_tables():
        data = store.cursor().sql(f"SELECT * FROM {table}").to_arrow_table()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        digests[table] = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
    return digests


def small_org(seed: int) -> dict[str, str]:
    store = Store()
    try:
        generate(OrgConfig(seed=seed, end=END, activities=2000, reps=8, days=120), store)
        return table_digests(store)
    finally:
        store.close()


# -- determinism and size ---------------------------------------------------------------------------


def test_same_seed_gives_identical_tables():
    assert small_org(5) == small_org(5)


def test_different_seed_gives_different_tables():
    first, second = small_org(5), small_org(6)
    assert all(first[t] != second[t] for t in ('salesforce."Task"', 'hubspot."calls"', 'hubspot."deals"'))


def test_activity_count_is_near_the_knob(store, summary):
    stored = (
        scalar(store, """SELECT count(*) FROM salesforce."Task" WHERE TaskSubtype = 'Call'""")
        + store.count('salesforce."Event"')
        + store.count('hubspot."calls"')
        + store.count('hubspot."meetings"')
    )
    assert stored == summary.activities
    assert abs(summary.activities - 20_000) <= 0.03 * 20_000


def test_deal_count_is_about_a_tenth_of_activities(store, summary):
    assert store.count('salesforce."Opportunity"') + store.count('hubspot."deals"') == summary.deals
    assert 0.05 <= summary.deals / summary.activities <= 0.15


def test_summary_counts_every_store_table(store, summary):
    assert len(summary.counts) == len(store_tables())
    for name, count in summary.counts.items():
        schema, table = name.split(".")
        assert store.count(f'{schema}."{table}"') == count, name


def test_generate_refuses_a_non_empty_store(store):
    with pytest.raises(StoreNotEmptyError, match="empty store"):
        generate(OrgConfig(seed=1, end=END, activities=1000), store)


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("reps", 3),
        ("reps", 10_000),
        ("teams", 0),
        ("days", 5),
        ("activities", 10),
        ("hubspot_share", 1.5),
        ("connect_rate", (0.5, 0.2)),
        ("win_rate", (0.1, 1.2)),
        ("activity_level", (0.0, 1.0)),
        ("end", datetime(2025, 1, 1, tzinfo=None).astimezone()),
        ("awkward_min", 0),
        ("migration_point", 1.0),
    ],
)
def test_config_rejects_bad_knobs_by_name(knob, value):
    with pytest.raises(ValueError, match=rf"OrgConfig\.{knob}"):
        OrgConfig(**{knob: value})


def test_config_resolves_end_to_today_midnight_utc():
    resolved = OrgConfig().resolved()
    assert resolved.end.tzinfo is None
    assert (resolved.end.hour, resolved.end.minute, resolved.end.second, resolved.end.microsecond) == (
        0,
        0,
        0,
        0,
    )
    assert abs(datetime.utcnow() - resolved.end) < timedelta(days=1, minutes=1)


# -- behaviour of a sales team ----------------------------------------------------------------------


def calls_per_rep(store: Store, summary: OrgSummary) -> dict[int, tuple[int, int]]:
    """rep index -> (calls, connected calls), both CRMs."""
    by_user = {r.salesforce_user_id: r.index for r in summary.reps if r.salesforce_user_id}
    by_owner = {str(r.hubspot_owner_id): r.index for r in summary.reps if r.hubspot_owner_id}
    totals: dict[int, list[int]] = {r.index: [0, 0] for r in summary.reps}
    for owner, calls, connected in rows(
        store,
        f"""SELECT OwnerId, count(*), count(*) FILTER ({SF_CONNECTED})
            FROM salesforce."Task" WHERE TaskSubtype = 'Call' GROUP BY OwnerId""",
    ):
        totals[by_user[owner]][0] += calls
        totals[by_user[owner]][1] += connected
    for owner, calls, connected in rows(
        store,
        """SELECT hubspot_owner_id, count(*), count(*) FILTER (hs_call_disposition = ?)
           FROM hubspot."calls" GROUP BY hubspot_owner_id""",
        CONNECTED_GUID,
    ):
        totals[by_owner[owner]][0] += calls
        totals[by_owner[owner]][1] += connected
    return {rep: (c, k) for rep, (c, k) in totals.items()}


def test_each_reps_connect_rate_matches_its_parameter(store, summary):
    low, high = summary.config.connect_rate
    checked = 0
    for rep, (calls, connected) in calls_per_rep(store, summary).items():
        if calls < 200:
            continue
        expected = summary.rep(rep).connect_rate
        tolerance = 4 * math.sqrt(expected * (1 - expected) / calls)
        observed = connected / calls
        assert abs(observed - expected) <= tolerance, (rep, observed, expected)
        assert low - tolerance <= observed <= high + tolerance
        checked += 1
    assert checked >= len(summary.reps) // 2


def test_busier_reps_make_more_calls_per_working_day(store, summary):
    per_day = []
    for rep, (calls, _) in calls_per_rep(store, summary).items():
        profile = summary.rep(rep)
        until = profile.departed_at or summary.end
        days = (until - max(profile.started_at, summary.start)).days
        per_day.append((profile.activity_level, calls / days))
    levels, rates = zip(*per_day, strict=True)
    assert max(rates) > 1.8 * min(rates)
    mean_l, mean_r = sum(levels) / len(levels), sum(rates) / len(rates)
    cov = sum((x - mean_l) * (y - mean_r) for x, y in per_day)
    correlation = cov / math.sqrt(
        sum((x - mean_l) ** 2 for x in levels) * sum((y - mean_r) ** 2 for y in rates)
    )
    assert correlation > 0.8


def test_win_rate_is_within_the_configured_range(store, summary):
    won, closed = rows(
        store,
        """SELECT count(*) FILTER (IsWon), count(*) FROM salesforce."Opportunity" WHERE IsClosed
           UNION ALL
           SELECT count(*) FILTER (hs_is_closed_won), count(*) FROM hubspot."deals" WHERE hs_is_closed""",
    )[0]
    low, high = summary.config.win_rate
    assert closed > 200
    assert low - 0.05 <= won / closed <= high + 0.05


def test_calls_happen_on_workdays_in_business_hours(store, summary):
    offsets = {"America/New_York": -5, "Europe/Berlin": 1, "America/Los_Angeles": -8}
    owner_offset = {}
    for user_id, zone in rows(store, """SELECT Id, TimeZoneSidKey FROM salesforce."User" """):
        owner_offset[user_id] = offsets.get(zone, 0)
    checked = inside = 0
    for owner, at in rows(
        store,
        """SELECT OwnerId, CompletedDateTime FROM salesforce."Task"
                  WHERE TaskSubtype = 'Call' AND CompletedDateTime IS NOT NULL""",
    ):
        local = at + timedelta(hours=owner_offset[owner])
        checked += 1
        inside += local.weekday() < 5 and 8 <= local.hour < 18
    assert inside >= 0.97 * checked


def test_connected_calls_last_longer(store):
    sf_connected, sf_other = rows(
        store,
        f"""SELECT avg(CallDurationInSeconds) FILTER ({SF_CONNECTED}),
                   avg(CallDurationInSeconds) FILTER (NOT {SF_CONNECTED})
            FROM salesforce."Task" WHERE TaskSubtype = 'Call'""",
    )[0]
    assert sf_connected > 120
    assert sf_other < 60
    hs_connected, hs_other = rows(
        store,
        """SELECT median(hs_call_duration) FILTER (hs_call_disposition = ?),
                  median(hs_call_duration) FILTER (hs_call_disposition <> ?) FROM hubspot."calls" """,
        CONNECTED_GUID,
        CONNECTED_GUID,
    )[0]
    assert hs_connected > 120_000
    assert hs_other < 60_000


def test_meetings_are_booked_ahead_and_future_ones_are_scheduled(store, summary):
    lead_days = rows(
        store,
        """SELECT min(date_diff('minute', CreatedDate, StartDateTime)),
                  max(date_diff('day', CreatedDate, StartDateTime))
           FROM salesforce."Event" """,
    )[0]
    assert lead_days[0] > 0
    assert lead_days[1] <= 60
    future = rows(
        store,
        """SELECT DISTINCT hs_meeting_outcome FROM hubspot."meetings" WHERE hs_meeting_start_time >= ?""",
        summary.end,
    )
    assert "SCHEDULED" in {o for (o,) in future} <= {"SCHEDULED", "CANCELED"}
    past = {o for (o,) in rows(store, """SELECT DISTINCT hs_meeting_outcome FROM hubspot."meetings" """)}
    assert {"COMPLETED", "CANCELED", "NO_SHOW", "RESCHEDULED", "SCHEDULED", None} <= past
    assert (
        scalar(store, """SELECT count(*) FROM salesforce."Event" WHERE StartDateTime >= ?""", summary.end) > 0
    )


def test_deals_are_won_lost_and_still_open(store):
    for table, closed, won in (
        ('salesforce."Opportunity"', "IsClosed", "IsWon"),
        ('hubspot."deals"', "hs_is_closed", "hs_is_closed_won"),
    ):
        states = dict(
            rows(store, f"SELECT {closed}::VARCHAR || {won}::VARCHAR, count(*) FROM {table} GROUP BY 1")
        )
        assert states.get("truetrue", 0) > 0
        assert states.get("truefalse", 0) > 0
        assert states.get("falsefalse", 0) > 0


def test_later_activities_refer_to_the_deal(store):
    assert scalar(store, """SELECT count(*) FROM salesforce."Task" WHERE WhatId LIKE '006%'""") > 100
    assert scalar(store, """SELECT count(*) FROM salesforce."Event" WHERE WhatId LIKE '006%'""") > 50
    for kind in ("calls", "meetings"):
        assert (
            scalar(
                store,
                "SELECT count(*) FROM hubspot.associations WHERE from_type = ? AND to_type = 'deals'",
                kind,
            )
            > 50
        )


def test_both_crm_reps_moved_from_salesforce_to_hubspot(store, summary):
    both = [r for r in summary.reps if r.crm == "both"]
    assert both
    for rep in both:
        assert rep.salesforce_email.lower() == rep.hubspot_email.lower()
        last_sf = scalar(
            store,
            """SELECT max(CreatedDate) FROM salesforce."Event" WHERE OwnerId = ?""",
            rep.salesforce_user_id,
        )
        first_hs = scalar(
            store,
            """SELECT min(hs_createdate) FROM hubspot."meetings" WHERE hubspot_owner_id = ?""",
            str(rep.hubspot_owner_id),
        )
        assert last_sf < summary.migration_at <= first_hs


# -- stages and history -----------------------------------------------------------------------------


def test_opportunity_fields_follow_their_stage(store):
    mismatches = scalar(
        store,
        """SELECT count(*) FROM salesforce."Opportunity" o
           JOIN salesforce."OpportunityStage" s ON s.ApiName = o.StageName
           WHERE o.IsClosed <> s.IsClosed OR o.IsWon <> s.IsWon OR o.Probability <> s.DefaultProbability
              OR o.ForecastCategory <> s.ForecastCategory""",
    )
    assert mismatches == 0
    assert scalar(store, """SELECT count(*) FROM salesforce."OpportunityStage" """) == 11
    unknown = """SELECT count(*) FROM salesforce."Opportunity"
                 WHERE StageName NOT IN (SELECT ApiName FROM salesforce."OpportunityStage")"""
    assert scalar(store, unknown) == 0


def test_hubspot_deal_flags_follow_pipeline_metadata(store):
    mismatches = scalar(
        store,
        """SELECT count(*) FROM hubspot."deals" d
           LEFT JOIN hubspot.pipeline_stages s ON s.pipeline_id = d.pipeline AND s.stage_id = d.dealstage
           WHERE s.stage_id IS NULL OR d.hs_is_closed <> s.is_closed
              OR d.hs_is_closed_won <> (s.is_closed AND s.probability = 1)""",
    )
    assert mismatches == 0
    default = {
        r[0]: r[1:]
        for r in rows(
            store,
            "SELECT stage_id, probability, is_closed FROM hubspot.pipeline_stages "
            "WHERE pipeline_id = 'default'",
        )
    }
    assert default == {
        "appointmentscheduled": (0.2, False),
        "qualifiedtobuy": (0.4, False),
        "presentationscheduled": (0.6, False),
        "decisionmakerboughtin": (0.8, False),
        "contractsent": (0.9, False),
        "closedwon": (1.0, True),
        "closedlost": (0.0, True),
    }


def test_opportunity_history_starts_at_creation_and_ends_in_the_current_stage(store):
    bad = scalar(
        store,
        """WITH h AS (
             SELECT OpportunityId, min(CreatedDate) AS first_at,
                    arg_max(StageName, (CreatedDate, Id)) AS last_stage,
                    max(CreatedDate) AS last_at
             FROM salesforce."OpportunityHistory" GROUP BY OpportunityId)
           SELECT count(*) FROM salesforce."Opportunity" o LEFT JOIN h ON h.OpportunityId = o.Id
           WHERE h.first_at IS DISTINCT FROM o.CreatedDate OR h.last_stage <> o.StageName
              OR h.last_at > o.LastModifiedDate""",
    )
    assert bad == 0


def test_opportunity_history_has_amount_and_close_date_changes_in_the_same_stage(store):
    repeats = scalar(
        store,
        """SELECT count(*) FROM (
             SELECT StageName, lag(StageName) OVER w AS previous,
                    Amount, lag(Amount) OVER w AS previous_amount,
                    CloseDate, lag(CloseDate) OVER w AS previous_close
             FROM salesforce."OpportunityHistory"
             WINDOW w AS (PARTITION BY OpportunityId ORDER BY CreatedDate))
           WHERE StageName = previous
             AND (Amount IS DISTINCT FROM previous_amount OR CloseDate <> previous_close)""",
    )
    assert repeats >= 20


def test_closed_deals_take_days_to_weeks(store):
    median_days = scalar(
        store,
        """SELECT median(date_diff('day', CreatedDate::DATE, CloseDate)) FROM salesforce."Opportunity"
           WHERE IsClosed AND IsWon""",
    )
    assert 7 <= median_days <= 90


def test_hubspot_stage_history_matches_deals(store):
    bad = scalar(
        store,
        """WITH h AS (SELECT object_id, min(timestamp) AS first_at, arg_max(value, timestamp) AS last_value,
                             max(timestamp) AS last_at
                      FROM hubspot.property_history WHERE object_type = 'deals' AND property = 'dealstage'
                      GROUP BY object_id)
           SELECT count(*) FROM hubspot."deals" d LEFT JOIN h ON h.object_id = d.id
           WHERE h.first_at IS DISTINCT FROM d.createdate OR h.last_value <> d.dealstage
              OR h.last_at > d.hs_lastmodifieddate""",
    )
    assert bad == 0
    assert scalar(store, "SELECT count(DISTINCT source_type) FROM hubspot.property_history") == 1
    assert scalar(store, "SELECT any_value(source_type) FROM hubspot.property_history") == "CRM_UI"


def test_hubspot_stage_history_has_consecutive_repeats(store):
    repeats = scalar(
        store,
        """SELECT count(*) FROM (
             SELECT value, lag(value) OVER (PARTITION BY object_id ORDER BY timestamp) AS previous
                                 FROM hubspot.property_history) WHERE value = previous""",
    )
    assert repeats >= 3


# -- referential integrity --------------------------------------------------------------------------

SF_REFERENCES = [
    ("Task", "OwnerId", "User"),
    ("Task", "WhoId", "Contact|Lead"),
    ("Task", "AccountId", "Account"),
    ("Event", "OwnerId", "User"),
    ("Event", "WhoId", "Contact"),
    ("Event", "AccountId", "Account"),
    ("Contact", "AccountId", "Account"),
    ("Contact", "OwnerId", "User"),
    ("Lead", "ConvertedAccountId", "Account"),
    ("Lead", "ConvertedContactId", "Contact"),
    ("Lead", "OwnerId", "User"),
    ("Account", "OwnerId", "User"),
    ("Opportunity", "AccountId", "Account"),
    ("Opportunity", "ContactId", "Contact"),
    ("Opportunity", "OwnerId", "User"),
    ("OpportunityHistory", "OpportunityId", "Opportunity"),
    *(
        (name, column, "User")
        for name in SOBJECTS
        for column in ("CreatedById", "LastModifiedById")
        if SOBJECTS[name].field(column)
    ),
]


@pytest.mark.parametrize(("table", "column", "target"), SF_REFERENCES)
def test_salesforce_references_resolve(store, table, column, target):
    """`target` names the object referred to ('Contact|Lead': either)."""
    ids = " UNION ALL ".join(f'SELECT Id FROM salesforce."{name}"' for name in target.split("|"))
    dangling = scalar(
        store,
        f"""SELECT count(*) FROM salesforce."{table}" t
            WHERE t."{column}" IS NOT NULL AND t."{column}" NOT IN ({ids})""",
    )
    assert dangling == 0


@pytest.mark.parametrize("table", ["Task", "Event"])
def test_salesforce_what_id_is_an_account_or_opportunity(store, table):
    dangling = scalar(
        store,
        f"""SELECT count(*) FROM salesforce."{table}" WHERE WhatId IS NOT NULL
            AND WhatId NOT IN (SELECT Id FROM salesforce."Account"
                               UNION ALL SELECT Id FROM salesforce."Opportunity")""",
    )
    assert dangling == 0


@pytest.mark.parametrize("table", ["calls", "meetings", "deals", "companies", "contacts"])
def test_hubspot_owners_exist(store, table):
    dangling = scalar(
        store,
        f"""SELECT count(*) FROM hubspot."{table}"
            WHERE hubspot_owner_id IS NOT NULL
              AND hubspot_owner_id NOT IN (SELECT id::VARCHAR FROM hubspot.owners)""",
    )
    assert dangling == 0


def test_hubspot_associations_point_at_existing_records(store):
    for name in HOBJECTS:
        for side in ("from", "to"):
            dangling = scalar(
                store,
                f"""SELECT count(*) FROM hubspot.associations
                    WHERE {side}_type = ? AND {side}_id NOT IN (SELECT id FROM hubspot."{name}")""",
                name,
            )
            assert dangling == 0, (name, side)


def test_hubspot_associations_are_stored_in_both_directions_with_defined_types(store):
    unmatched = scalar(
        store,
        """SELECT count(*) FROM hubspot.associations a ANTI JOIN hubspot.associations b
           ON b.from_type = a.to_type AND b.from_id = a.to_id
              AND b.to_type = a.from_type AND b.to_id = a.from_id""",
    )
    assert unmatched == 0
    assert {c for (c,) in rows(store, "SELECT DISTINCT category FROM hubspot.associations")} == {
        "HUBSPOT_DEFINED"
    }
    from sandbox.hubspot.objects import ASSOCIATION_TYPES

    for from_type, to_type, type_id in rows(
        store, "SELECT DISTINCT from_type, to_type, type_id FROM hubspot.associations"
    ):
        assert ASSOCIATION_TYPES[(from_type, to_type)][0] == type_id


def test_hubspot_history_and_contacts_point_at_existing_records(store):
    assert (
        scalar(
            store,
            "SELECT count(*) FROM hubspot.property_history "
            "WHERE object_id NOT IN (SELECT id FROM hubspot.deals)",
        )
        == 0
    )
    orphan_contacts = """SELECT count(*) FROM hubspot."contacts" WHERE associatedcompanyid IS NOT NULL
                         AND associatedcompanyid NOT IN (SELECT id FROM hubspot."companies")"""
    assert scalar(store, orphan_contacts) == 0


# -- formats and invariants -------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(SOBJECTS))
def test_salesforce_ids_are_unique_valid_18_character_ids(store, table):
    ids = [i for (i,) in rows(store, f'SELECT Id FROM salesforce."{table}"')]
    assert ids
    assert len(set(ids)) == len(ids)
    prefix = KEY_PREFIXES[table]
    assert all(len(i) == 18 and i.startswith(prefix) and to_18(i[:15]) == i for i in ids)


@pytest.mark.parametrize("table", list(SOBJECTS))
def test_salesforce_audit_timestamps_are_ordered_millisecond_and_before_the_end(store, summary, table):
    has_last_modified = SOBJECTS[table].field("LastModifiedDate") is not None
    last_modified = "LastModifiedDate" if has_last_modified else "CreatedDate"
    bad = scalar(
        store,
        f"""SELECT count(*) FROM salesforce."{table}"
            WHERE NOT (CreatedDate <= {last_modified} AND {last_modified} <= SystemModstamp
                       AND SystemModstamp < ?)
               OR epoch_us(CreatedDate) % 1000 <> 0 OR epoch_us(SystemModstamp) % 1000 <> 0""",
        summary.end,
    )
    assert bad == 0


@pytest.mark.parametrize("table", list(SOBJECTS))
def test_salesforce_stores_no_empty_strings(store, table):
    text = [f.name for f in SOBJECTS[table].fields if f.storage_type == "VARCHAR"]
    condition = " OR ".join(f"\"{c}\" = ''" for c in text)
    assert scalar(store, f'SELECT count(*) FROM salesforce."{table}" WHERE {condition}') == 0


def test_salesforce_events_are_consistent(store):
    bad = scalar(
        store,
        """SELECT count(*) FROM salesforce."Event"
           WHERE ActivityDateTime <> StartDateTime OR EndDateTime <= StartDateTime
              OR date_diff('minute', StartDateTime, EndDateTime) <> DurationInMinutes
              OR EventSubtype <> 'Event'""",
    )
    assert bad == 0


def test_salesforce_calls_have_call_fields_and_others_do_not(store):
    assert (
        scalar(
            store,
            """SELECT count(*) FROM salesforce."Task" WHERE TaskSubtype <> 'Call'
                            AND (CallDisposition IS NOT NULL OR CallDurationInSeconds IS NOT NULL)""",
        )
        == 0
    )
    statuses = rows(store, """SELECT DISTINCT Status, IsClosed FROM salesforce."Task" ORDER BY ALL""")
    assert statuses == [("Completed", True), ("Not Started", False)]


@pytest.mark.parametrize("name", list(HOBJECTS))
def test_hubspot_records_have_ordered_timestamps_and_unique_ids(store, summary, name):
    obj = HOBJECTS[name]
    created, modified = obj.created_property, obj.modified_property
    bad = scalar(
        store,
        f"""SELECT count(*) FROM hubspot."{name}"
            WHERE NOT ({created} <= {modified} AND {modified} < ?)
               OR archived <> (archived_at IS NOT NULL) OR archived_at < {modified} OR archived_at >= ?
               OR epoch_us({modified}) % 1000 <> 0 OR id < ?""",
        summary.end,
        summary.end,
        obj.first_id,
    )
    assert bad == 0
    assert scalar(store, f'SELECT count(*) - count(DISTINCT id) FROM hubspot."{name}"') == 0


def test_hubspot_meetings_start_at_their_timestamp(store):
    bad = scalar(
        store,
        """SELECT count(*) FROM hubspot."meetings" WHERE hs_timestamp <> hs_meeting_start_time
           OR hs_meeting_end_time <= hs_meeting_start_time OR hs_createdate > hs_meeting_start_time""",
    )
    assert bad == 0


# -- the awkward cases, each present ----------------------------------------------------------------


@pytest.mark.parametrize("table", ["Task", "Event", "Opportunity", "Account", "Contact"])
def test_salesforce_has_deleted_records(store, table):
    assert scalar(store, f'SELECT count(*) FROM salesforce."{table}" WHERE IsDeleted') >= 3


def test_deleted_opportunities_have_deleted_history(store):
    live_history = scalar(
        store,
        """SELECT count(*) FROM salesforce."OpportunityHistory" h JOIN salesforce."Opportunity" o
           ON o.Id = h.OpportunityId WHERE o.IsDeleted AND NOT h.IsDeleted""",
    )
    assert live_history == 0
    assert scalar(store, 'SELECT count(*) FROM salesforce."OpportunityHistory" WHERE IsDeleted') >= 3


@pytest.mark.parametrize("table", ["Task", "Event"])
def test_salesforce_has_archived_old_activities(store, table):
    archived = rows(
        store,
        f'SELECT IsClosed, ActivityDate FROM salesforce."{table}" WHERE IsArchived'
        if table == "Task"
        else f'SELECT true, ActivityDate FROM salesforce."{table}" WHERE IsArchived',
    )
    assert len(archived) >= 3
    assert all(closed for closed, _ in archived)
    newest_archived = max(day for _, day in archived)
    assert scalar(
        store, f'SELECT min(ActivityDate) FROM salesforce."{table}" WHERE NOT IsArchived'
    ) >= newest_archived - timedelta(days=7)


@pytest.mark.parametrize("name", list(HOBJECTS))
def test_hubspot_has_archived_records_of_every_type(store, name):
    assert scalar(store, f'SELECT count(*) FROM hubspot."{name}" WHERE archived') >= 3


def test_departed_reps_are_inactive_users_and_archived_owners(store, summary):
    departed = [r for r in summary.reps if r.departed_at]
    assert any(r.in_salesforce for r in departed)
    assert any(r.in_hubspot for r in departed)
    for rep in departed:
        if rep.in_salesforce:
            assert (
                scalar(store, 'SELECT IsActive FROM salesforce."User" WHERE Id = ?', rep.salesforce_user_id)
                is False
            )
        if rep.in_hubspot:
            assert (
                scalar(store, "SELECT archived FROM hubspot.owners WHERE id = ?", rep.hubspot_owner_id)
                is True
            )
    assert scalar(store, 'SELECT count(*) FROM salesforce."User" WHERE IsActive') > 0


def test_deals_without_amount_in_both_crms(store):
    assert scalar(store, 'SELECT count(*) FROM salesforce."Opportunity" WHERE Amount IS NULL') >= 3
    assert scalar(store, 'SELECT count(*) FROM hubspot."deals" WHERE amount IS NULL') >= 3


def test_second_currency_in_both_crms(store):
    assert (
        scalar(store, """SELECT count(*) FROM salesforce."Opportunity" WHERE CurrencyIsoCode = 'EUR'""") >= 3
    )
    assert scalar(store, """SELECT count(*) FROM hubspot."deals" WHERE deal_currency_code = 'EUR'""") >= 3


def test_stages_outside_the_default_mapping_in_both_crms(store):
    assert (
        scalar(
            store,
            f"""SELECT count(*) FROM salesforce."Opportunity" WHERE StageName NOT IN {DEFAULT_SF_STAGES}""",
        )
        >= 3
    )
    assert (
        scalar(
            store,
            """SELECT count(*) FROM salesforce."OpportunityStage" WHERE IsActive AND ApiName = 'Discovery'""",
        )
        == 1
    )
    custom = scalar(
        store,
        f"""SELECT count(*) FROM hubspot."deals" WHERE pipeline <> 'default'
                               AND dealstage NOT IN {DEFAULT_HS_STAGES} AND dealstage SIMILAR TO '[0-9]+'""",
    )
    assert custom >= 3


def test_calls_without_disposition_and_with_custom_ones_in_both_crms(store):
    assert (
        scalar(
            store,
            """SELECT count(*) FROM salesforce."Task"
               WHERE TaskSubtype = 'Call' AND CallDisposition IS NULL""",
        )
        >= 3
    )
    assert (
        scalar(store, """SELECT count(*) FROM salesforce."Task" WHERE CallDisposition LIKE 'Gatekeeper%'""")
        >= 3
    )
    assert scalar(store, 'SELECT count(*) FROM hubspot."calls" WHERE hs_call_disposition IS NULL') >= 3
    guids = {g for (g,) in rows(store, 'SELECT DISTINCT hs_call_disposition FROM hubspot."calls"')}
    assert guids == {*CALL_DISPOSITIONS, CUSTOM_DISPOSITION, None}


def test_salesforce_dispositions_come_in_messy_variants(store):
    variants = {d for (d,) in rows(store, """SELECT DISTINCT CallDisposition FROM salesforce."Task" """)}
    assert {
        "Connected",
        " left - voicemail ",
        "No Answer",
        "Busy",
        "Wrong number",
        "Left live message",
        "Gatekeeper",
    } <= variants


def test_calls_without_completed_time(store):
    assert (
        scalar(
            store,
            """SELECT count(*) FROM salesforce."Task"
               WHERE TaskSubtype = 'Call' AND CompletedDateTime IS NULL""",
        )
        >= 3
    )


@pytest.mark.parametrize("subtype", ["Task", "Email"])
def test_tasks_that_are_not_calls(store, subtype):
    assert scalar(store, 'SELECT count(*) FROM salesforce."Task" WHERE TaskSubtype = ?', subtype) >= 3


@pytest.mark.parametrize("table", ["Task", "Event"])
def test_salesforce_activities_without_account_or_contact(store, table):
    detached = f'SELECT count(*) FROM salesforce."{table}" WHERE coalesce(WhoId, WhatId, AccountId) IS NULL'
    assert scalar(store, detached + (" AND TaskSubtype = 'Call'" if table == "Task" else "")) >= 3
    contact_only = f'SELECT count(*) FROM salesforce."{table}" WHERE WhoId IS NOT NULL AND AccountId IS NULL'
    assert scalar(store, contact_only) >= 1


@pytest.mark.parametrize("kind", ["calls", "meetings"])
def test_hubspot_activities_without_company_or_contact(store, kind):
    detached = f"""SELECT count(*) FROM hubspot."{kind}" a WHERE NOT EXISTS (
                     SELECT 1 FROM hubspot.associations x WHERE x.from_type = '{kind}' AND x.from_id = a.id
                     AND x.to_type IN ('companies', 'contacts'))"""
    assert scalar(store, detached) >= 3


def test_contacts_without_company_in_both_crms(store):
    assert scalar(store, 'SELECT count(*) FROM salesforce."Contact" WHERE AccountId IS NULL') >= 3
    assert scalar(store, 'SELECT count(*) FROM hubspot."contacts" WHERE associatedcompanyid IS NULL') >= 3


def test_many_records_share_one_modification_timestamp(store, summary):
    tasks = store.count('salesforce."Task"')
    shared_tasks = scalar(
        store,
        'SELECT count(*) FROM salesforce."Task" WHERE SystemModstamp = ?',
        summary.salesforce_shared_modstamp,
    )
    assert shared_tasks >= min(2500, tasks // 10)
    assert shared_tasks >= 2500  # the default org is big enough
    biggest = scalar(
        store, 'SELECT max(c) FROM (SELECT count(*) AS c FROM hubspot."calls" GROUP BY hs_lastmodifieddate)'
    )
    assert biggest >= 250
    assert (
        scalar(
            store,
            'SELECT count(*) FROM hubspot."calls" WHERE hs_lastmodifieddate = ?',
            summary.hubspot_shared_modified,
        )
        == biggest
    )


def test_hubspot_owners_without_email(store):
    assert scalar(store, "SELECT count(*) FROM hubspot.owners WHERE email IS NULL") >= 2


def test_a_rep_email_differs_only_in_case_between_crms(store):
    pairs = rows(
        store,
        """SELECT u.Email, o.email FROM salesforce."User" u JOIN hubspot.owners o
                           ON lower(u.Email) = lower(o.email)""",
    )
    assert len(pairs) >= 2
    assert any(sf != hs for sf, hs in pairs)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ('salesforce."Account"', "Name"),
        ('hubspot."companies"', "name"),
        ('salesforce."Task"', "Subject"),
        ('salesforce."Event"', "Subject"),
        ('hubspot."calls"', "hs_call_title"),
        ('hubspot."meetings"', "hs_meeting_title"),
    ],
)
def test_hostile_text_in_names_and_subjects(store, table, column):
    present = {
        v
        for (v,) in rows(
            store, f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IN ?', list(HOSTILE_TEXTS)
        )
    }
    assert present == set(HOSTILE_TEXTS)


def test_hostile_and_non_ascii_rep_names_in_both_crms(store):
    sf_names = [n for (n,) in rows(store, 'SELECT Name FROM salesforce."User"')]
    hs_names = [f"{f} {la}" for f, la in rows(store, 'SELECT "firstName", "lastName" FROM hubspot.owners')]
    for names in (sf_names, hs_names):
        assert any("'" in n for n in names)
        assert any(not n.isascii() for n in names)
    assert any('"' in n for n in sf_names)
    assert any("DROP TABLE" in n for n in sf_names)
    assert any("\t" in n for n in hs_names)
    assert any("🚀" in n for n in hs_names)
