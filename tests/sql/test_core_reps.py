"""Golden rows for core.reps (KPI contract §1 "rep", §2 core.reps)."""

import pytest
from sql_helpers import at, build_core, fetch, insert, warehouse

USERS = "raw_salesforce.user"
OWNERS = "raw_hubspot.owners"


@pytest.fixture(scope="module")
def reps(raw_template, tmp_path_factory):
    engine = warehouse(raw_template, tmp_path_factory.mktemp("reps") / "warehouse.duckdb")
    insert(
        engine,
        USERS,
        # Same person in both CRMs, HubSpot record newer: its name; active in HubSpot only.
        {"Id": "005A", "Email": "Ada.Lovelace@Example.com", "Name": "Ada Lovelace", "IsActive": False,
         "SystemModstamp": at("2024-01-10 00:00")},
        # A tie on modification time: the Salesforce name.
        {"Id": "005B", "Email": "grace@example.com", "Name": "Grace Hopper", "IsActive": True,
         "SystemModstamp": at("2024-03-01 12:00")},
        # Salesforce record newer: its name.
        {"Id": "005C", "Email": "alan@example.com", "Name": "Alan Turing", "IsActive": True,
         "SystemModstamp": at("2024-05-01 00:00")},
        # No e-mail (NULL, or empty): salesforce:<Id>.
        {"Id": "005D", "Email": None, "Name": "Integration User", "IsActive": False,
         "SystemModstamp": at("2024-01-01 00:00")},
        {"Id": "005E", "Email": "", "Name": "Blank Mail", "IsActive": None,
         "SystemModstamp": at("2024-01-01 00:00")},
        # Inactive in both CRMs.
        {"Id": "005F", "Email": "gone@example.com", "Name": "Gone Away", "IsActive": False,
         "SystemModstamp": at("2024-01-01 00:00")},
        # The newest record (HubSpot) has no name: the newest record with one.
        {"Id": "005G", "Email": "kate@example.com", "Name": "Kate Bell", "IsActive": True,
         "SystemModstamp": at("2024-01-01 00:00")},
        # Salesforce Name missing: First Last.
        {"Id": "005H", "Email": "lin@example.com", "Name": None, "FirstName": "Lin", "LastName": "Wu",
         "IsActive": True, "SystemModstamp": at("2024-01-01 00:00")},
    )  # fmt: skip
    insert(
        engine,
        OWNERS,
        {"id": 101, "email": "ada.lovelace@example.com", "first_name": "Ada", "last_name": "King",
         "archived": False, "updated_at": at("2024-02-01 00:00")},
        {"id": 102, "email": "GRACE@example.com", "first_name": "Amazing", "last_name": "Grace",
         "archived": True, "updated_at": at("2024-03-01 12:00")},
        {"id": 103, "email": "alan@example.com", "first_name": "Al", "last_name": "T",
         "archived": False, "updated_at": at("2024-04-01 00:00")},
        # HubSpot names: the non-empty parts of first_name last_name.
        {"id": 104, "email": None, "first_name": "Solo", "last_name": None, "archived": False,
         "updated_at": at("2024-01-01 00:00")},
        {"id": 105, "email": "last.only@example.com", "first_name": "  ", "last_name": "Only",
         "archived": False, "updated_at": at("2024-01-01 00:00")},
        {"id": 106, "email": "noname@example.com", "first_name": None, "last_name": "", "archived": True,
         "updated_at": at("2024-01-01 00:00")},
        {"id": 107, "email": "gone@example.com", "first_name": "Gone", "last_name": "Later",
         "archived": True, "updated_at": at("2024-06-01 00:00")},
        {"id": 108, "email": "kate@example.com", "first_name": None, "last_name": None, "archived": False,
         "updated_at": at("2024-05-01 00:00")},
        # No updated_at: created_at stands in.
        {"id": 109, "email": "lin@example.com", "first_name": "Lin", "last_name": "Wu-Chen",
         "archived": False, "updated_at": None, "created_at": at("2024-02-01 00:00")},
    )  # fmt: skip
    build_core(engine)
    rows = fetch(engine, "select * from core.reps order by rep_id")
    engine.dispose()
    return rows


def test_reps_golden(reps):
    assert [tuple(r.values()) for r in reps] == [
        ("ada.lovelace@example.com", "Ada King", "ada.lovelace@example.com", True),
        ("alan@example.com", "Alan Turing", "alan@example.com", True),
        ("gone@example.com", "Gone Later", "gone@example.com", False),
        ("grace@example.com", "Grace Hopper", "grace@example.com", True),
        ("hubspot:104", "Solo", None, True),
        ("kate@example.com", "Kate Bell", "kate@example.com", True),
        ("last.only@example.com", "Only", "last.only@example.com", True),
        ("lin@example.com", "Lin Wu-Chen", "lin@example.com", True),
        ("noname@example.com", None, "noname@example.com", False),
        ("salesforce:005D", "Integration User", None, False),
        ("salesforce:005E", "Blank Mail", None, False),
    ]


def test_reps_columns(reps):
    assert list(reps[0]) == ["rep_id", "name", "email", "is_active"]
