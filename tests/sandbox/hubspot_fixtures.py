"""A small, hand-written HubSpot portal for emulator tests: a few of every object, archived records,
associations in both directions, dealstage history, two pipelines and hostile strings.

`seed(store)` fills a fresh `Store` and returns what was inserted; `bulk_calls(store, n)` adds `n`
calls in one INSERT … SELECT; `FakeClock` is a monotonic clock tests move by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.hubspot import objects as hs
from sandbox.store import Store

HOSTILE = (
    "Ünïcødé «quotes» \"double\" 'single' <script>alert(1)</script> ' OR 1=1; -- "
    "back\\slash %_* \n\ttab 💥 \u202eltr 日本語"
)
T0 = datetime(2024, 1, 10)  # first calls' hs_lastmodifieddate; one call per hour after it

CALL_IDS = [hs.CALLS.first_id + i for i in range(27)]  # the last two are archived
MEETING_IDS = [hs.MEETINGS.first_id + i for i in range(5)]  # the last one is archived
DEAL_IDS = [hs.DEALS.first_id + i for i in range(6)]  # the last one is archived
COMPANY_IDS = [hs.COMPANIES.first_id + i for i in range(4)]  # the last one is archived
CONTACT_IDS = [hs.CONTACTS.first_id + i for i in range(5)]  # the last one is archived

DISPOSITIONS = list(hs.CALL_DISPOSITIONS)

DEFAULT_STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", False, 0.2),
    ("qualifiedtobuy", "Qualified To Buy", False, 0.4),
    ("presentationscheduled", "Presentation Scheduled", False, 0.6),
    ("decisionmakerboughtin", "Decision Maker Bought-In", False, 0.8),
    ("contractsent", "Contract Sent", False, 0.9),
    ("closedwon", "Closed Won", True, 1.0),
    ("closedlost", "Closed Lost", True, 0.0),
]
ENTERPRISE_STAGES = [("ent_open", "Open ✓", False, 0.5), ("ent_won", "Won ✓", True, 1.0)]


@dataclass
class Dataset:
    active: dict[str, list[int]] = field(default_factory=dict)
    archived: dict[str, list[int]] = field(default_factory=dict)


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _insert(cur, table: str, columns: list[str], rows: list[tuple]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def _pair(
    rows: list[tuple], a: tuple[str, int], b: tuple[str, int], types: list[tuple[int, int, str | None]]
) -> None:
    """Both directions of an association: types are (forward id, reverse id, label)."""
    for forward, reverse, label in types:
        rows.append((a[0], a[1], b[0], b[1], forward, "HUBSPOT_DEFINED", label))
        rows.append((b[0], b[1], a[0], a[1], reverse, "HUBSPOT_DEFINED", label))


def seed(store: Store) -> Dataset:
    with store.write() as cur:
        _insert(
            cur,
            "hubspot.owners",
            [
                "id",
                "email",
                "firstName",
                "lastName",
                "userId",
                "type",
                "createdAt",
                "updatedAt",
                "archived",
                "team_id",
                "team_name",
            ],
            [
                (101, "ada@example.com", "Ada", "Lovelace", 9001, "PERSON", T0, T0, False, 7, "Team Ω"),
                (102, "grace@example.com", "Grace", "Hopper", 9002, "PERSON", T0, T0, False, None, None),
                (103, "queue@example.com", None, None, None, "QUEUE", T0, T0, False, None, None),
                (104, "gone@example.com", "Dépârted", HOSTILE, 9004, "PERSON", T0, T0, True, None, None),
            ],
        )
        _insert(
            cur,
            'hubspot."companies"',
            [
                "id",
                "archived",
                "archived_at",
                "name",
                "domain",
                "industry",
                "createdate",
                "hs_lastmodifieddate",
            ],
            [
                (COMPANY_IDS[0], False, None, HOSTILE, "acme.example", "COMPUTER_SOFTWARE", T0, T0),
                (COMPANY_IDS[1], False, None, "Globex", "globex.example", None, T0, T0),
                (COMPANY_IDS[2], False, None, "Initech", None, None, T0, T0),
                (COMPANY_IDS[3], True, T0 + timedelta(days=3), "Defunct Ltd", None, None, T0, T0),
            ],
        )
        _insert(
            cur,
            'hubspot."contacts"',
            [
                "id",
                "archived",
                "archived_at",
                "firstname",
                "lastname",
                "email",
                "createdate",
                "lastmodifieddate",
            ],
            [
                (CONTACT_IDS[0], False, None, "Jürgen", "Müller", "jm@acme.example", T0, T0),
                (CONTACT_IDS[1], False, None, "Li", "Wei", "li@globex.example", T0, T0),
                (CONTACT_IDS[2], False, None, "No", "Mail", None, T0, T0),
                (CONTACT_IDS[3], False, None, HOSTILE, "Quote'Name", "q@initech.example", T0, T0),
                (CONTACT_IDS[4], True, T0 + timedelta(days=1), "Old", "Contact", "old@example.com", T0, T0),
            ],
        )
        deal_cols = ["id", "archived", "archived_at", "dealname", "amount", "deal_currency_code", "closedate"]
        deal_cols += ["createdate", "dealstage", "pipeline", "hs_is_closed", "hs_is_closed_won"]
        deal_cols += ["hubspot_owner_id", "hs_lastmodifieddate"]
        created = datetime(2024, 1, 2, 9, 0, 0, 500_000)
        _insert(
            cur,
            'hubspot."deals"',
            deal_cols,
            [
                (
                    DEAL_IDS[0],
                    False,
                    None,
                    "Big deal",
                    25000.0,
                    "USD",
                    datetime(2024, 3, 31),
                    created,
                    "closedwon",
                    "default",
                    True,
                    True,
                    "101",
                    datetime(2024, 3, 31, 12),
                ),
                (
                    DEAL_IDS[1],
                    False,
                    None,
                    "Half deal",
                    1234.5,
                    "EUR",
                    None,
                    created,
                    "qualifiedtobuy",
                    "default",
                    False,
                    False,
                    "102",
                    datetime(2024, 2, 1),
                ),
                (
                    DEAL_IDS[2],
                    False,
                    None,
                    "No amount",
                    None,
                    "USD",
                    None,
                    created,
                    "appointmentscheduled",
                    "default",
                    False,
                    False,
                    None,
                    datetime(2024, 2, 2),
                ),
                (
                    DEAL_IDS[3],
                    False,
                    None,
                    "Zero",
                    0.0,
                    "USD",
                    None,
                    created,
                    "closedlost",
                    "default",
                    True,
                    False,
                    "101",
                    datetime(2024, 2, 3),
                ),
                (
                    DEAL_IDS[4],
                    False,
                    None,
                    HOSTILE,
                    1000000.0,
                    "USD",
                    None,
                    created,
                    "ent_won",
                    "enterprise",
                    True,
                    True,
                    "102",
                    datetime(2024, 2, 4),
                ),
                (
                    DEAL_IDS[5],
                    True,
                    datetime(2024, 2, 5),
                    "Deleted deal",
                    10.0,
                    "USD",
                    None,
                    created,
                    "closedlost",
                    "default",
                    True,
                    False,
                    "101",
                    datetime(2024, 2, 5),
                ),
            ],
        )
        _insert(
            cur,
            "hubspot.property_history",
            [
                "object_type",
                "object_id",
                "property",
                "value",
                "timestamp",
                "source_type",
                "source_id",
                "updated_by_user_id",
            ],
            [
                (
                    "deals",
                    DEAL_IDS[0],
                    "dealstage",
                    "appointmentscheduled",
                    created,
                    "CRM_UI",
                    "userId:9001",
                    9001,
                ),
                (
                    "deals",
                    DEAL_IDS[0],
                    "dealstage",
                    "qualifiedtobuy",
                    datetime(2024, 2, 1),
                    "CRM_UI",
                    None,
                    None,
                ),
                (
                    "deals",
                    DEAL_IDS[0],
                    "dealstage",
                    "closedwon",
                    datetime(2024, 3, 31, 12),
                    "API",
                    None,
                    None,
                ),
            ],
        )
        call_cols = ["id", "archived", "archived_at", "hs_timestamp", "hs_call_title", "hs_call_body"]
        call_cols += ["hs_call_direction", "hs_call_disposition", "hs_call_duration", "hs_call_status"]
        call_cols += ["hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"]
        calls = []
        for i, call_id in enumerate(CALL_IDS):
            archived = i >= 25
            modified = T0 + timedelta(hours=i)
            calls.append(
                (
                    call_id,
                    archived,
                    modified + timedelta(days=1) if archived else None,
                    datetime(2024, 1, 5, 14, 3, 0, 123_000) + timedelta(days=i),
                    HOSTILE if i == 3 else f"Call #{i}",
                    None if i % 5 == 0 else f"<p>notes {i}</p>",
                    "INBOUND" if i % 2 else "OUTBOUND",
                    DISPOSITIONS[i % len(DISPOSITIONS)],
                    i * 60_000.0,
                    "COMPLETED",
                    "101" if i % 3 else "102",
                    modified - timedelta(minutes=30),
                    modified,
                )
            )
        _insert(cur, 'hubspot."calls"', call_cols, calls)
        _insert(
            cur,
            'hubspot."meetings"',
            [
                "id",
                "archived",
                "archived_at",
                "hs_timestamp",
                "hs_meeting_title",
                "hs_meeting_start_time",
                "hs_meeting_end_time",
                "hs_meeting_outcome",
                "hubspot_owner_id",
                "hs_createdate",
                "hs_lastmodifieddate",
            ],
            [
                (
                    meeting_id,
                    i == 4,
                    T0 + timedelta(days=9) if i == 4 else None,
                    T0 + timedelta(days=i),
                    f"Meeting {i}",
                    T0 + timedelta(days=i),
                    T0 + timedelta(days=i, minutes=45),
                    hs.MEETING_OUTCOMES[i % len(hs.MEETING_OUTCOMES)],
                    "101",
                    T0,
                    T0 + timedelta(days=i),
                )
                for i, meeting_id in enumerate(MEETING_IDS)
            ],
        )
        assoc: list[tuple] = []
        deal, company, contact = "deals", "companies", "contacts"
        _pair(assoc, (deal, DEAL_IDS[0]), (company, COMPANY_IDS[0]), [(5, 6, "Primary"), (341, 342, None)])
        _pair(assoc, (deal, DEAL_IDS[1]), (company, COMPANY_IDS[1]), [(341, 342, None)])
        for contact_id in CONTACT_IDS[:3]:
            _pair(assoc, (deal, DEAL_IDS[0]), (contact, contact_id), [(3, 4, None)])
        _pair(assoc, (contact, CONTACT_IDS[0]), (company, COMPANY_IDS[0]), [(1, 2, None)])
        for call_id in CALL_IDS[:10]:
            _pair(assoc, ("calls", call_id), (contact, CONTACT_IDS[0]), [(194, 193, None)])
        _pair(assoc, ("calls", CALL_IDS[0]), (deal, DEAL_IDS[0]), [(206, 205, None)])
        _pair(assoc, ("calls", CALL_IDS[0]), (company, COMPANY_IDS[0]), [(182, 181, None)])
        _pair(assoc, ("meetings", MEETING_IDS[0]), (contact, CONTACT_IDS[0]), [(200, 199, None)])
        _pair(assoc, ("meetings", MEETING_IDS[0]), (deal, DEAL_IDS[0]), [(212, 211, None)])
        _insert(
            cur,
            "hubspot.associations",
            ["from_type", "from_id", "to_type", "to_id", "type_id", "category", "label"],
            assoc,
        )
        stages = [("default", "Sales Pipeline", 0, *s, i, T0, T0) for i, s in enumerate(DEFAULT_STAGES)]
        stages += [
            ("enterprise", HOSTILE, 1, *s, i, T0, T0 + timedelta(days=1))
            for i, s in enumerate(ENTERPRISE_STAGES)
        ]
        _insert(
            cur,
            "hubspot.pipeline_stages",
            [
                "pipeline_id",
                "pipeline_label",
                "pipeline_display_order",
                "stage_id",
                "label",
                "is_closed",
                "probability",
                "display_order",
                "createdAt",
                "updatedAt",
            ],
            stages,
        )
    return Dataset(
        active={
            "calls": CALL_IDS[:25],
            "meetings": MEETING_IDS[:4],
            "deals": DEAL_IDS[:5],
            "companies": COMPANY_IDS[:3],
            "contacts": CONTACT_IDS[:4],
        },
        archived={
            "calls": CALL_IDS[25:],
            "meetings": MEETING_IDS[4:],
            "deals": DEAL_IDS[5:],
            "companies": COMPANY_IDS[3:],
            "contacts": CONTACT_IDS[4:],
        },
    )


def bulk_calls(store: Store, n: int, *, first_id: int = hs.CALLS.first_id, start: datetime = T0) -> None:
    """`n` active calls, one second of hs_lastmodifieddate apart, in one statement."""
    with store.write() as cur:
        cur.execute(
            """INSERT INTO hubspot."calls" (id, archived, hs_timestamp, hs_call_title, hs_call_duration,
                   hubspot_owner_id, hs_createdate, hs_lastmodifieddate)
               SELECT ? + i, false, ? + to_seconds(i), 'Bulk call ' || i, (i % 3600) * 1000.0, '101',
                      ? + to_seconds(i), ? + to_seconds(i)
               FROM range(?) t(i)""",
            [first_id, start, start, start, n],
        )
