"""Names from the reporting configuration are data in core: hostile stage names and call dispositions
(quotes, SQL, placeholders, Unicode) are stored in config.* and mapped in core.deals and
core.activities exactly as written."""

from sql_helpers import at, build_core, fetch, insert

from models.reporting import DEFAULT_CALL_OUTCOMES, DEFAULT_STAGE_MAPPING, ReportingConfig, StageMapping

HOSTILE = [
    "x'); drop table config.settings; --",
    'Robert"; delete from raw_hubspot.deals; --',
    "back\\slash $1 ? :stage %s",
    "Ünïcødé ✓ stage",
]


def test_hostile_stage_names_are_data(engine):
    config = ReportingConfig(
        stage_mapping=(
            *DEFAULT_STAGE_MAPPING,
            *(StageMapping("hubspot", None, stage, "proposal") for stage in HOSTILE),
            StageMapping("hubspot", HOSTILE[1], HOSTILE[0], "negotiation"),
        ),
        call_outcomes=(*DEFAULT_CALL_OUTCOMES, ("hubspot", HOSTILE[0], "busy")),
    )
    insert(
        engine,
        "raw_hubspot.deals",
        *(
            {
                "id": 700 + i,
                "dealstage": stage,
                "pipeline": "default",
                "hs_lastmodifieddate": at("2024-03-01"),
            }
            for i, stage in enumerate(HOSTILE)
        ),
        {"id": 710, "dealstage": HOSTILE[0], "pipeline": HOSTILE[1], "hs_lastmodifieddate": at("2024-03-01")},
    )
    insert(
        engine,
        "raw_hubspot.calls",
        {"id": 1, "hs_call_disposition": HOSTILE[0], "hs_timestamp": at("2024-03-01")},
    )
    build_core(engine, config)
    stored = fetch(
        engine, "select pipeline, stage from config.stage_mapping where funnel_stage <> 'appointment'"
    )
    assert {(r["pipeline"], r["stage"]) for r in stored} >= {(None, s) for s in HOSTILE} | {
        (HOSTILE[1], HOSTILE[0])
    }
    deals = fetch(engine, "select crm_id, stage, funnel_stage from core.deals order by crm_id")
    assert [tuple(d.values()) for d in deals] == [
        *((str(700 + i), stage, "proposal") for i, stage in enumerate(HOSTILE)),
        ("710", HOSTILE[0], "negotiation"),
    ]
    assert fetch(engine, "select outcome from core.activities") == [{"outcome": "busy"}]
    assert fetch(engine, "select count(*) as n from config.settings") == [{"n": 3}]
