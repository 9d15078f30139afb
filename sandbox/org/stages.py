"""Deal pipelines of both CRMs: stages in order, their metadata, and how deals walk through them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    key: str  # Salesforce StageName / HubSpot stage id
    label: str
    probability: float  # 0..1
    is_closed: bool = False
    is_won: bool = False
    forecast: str = "Pipeline"  # Salesforce ForecastCategory (API value)
    visit: float = 1.0  # chance a deal passes through this open stage on its way


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    open_stages: tuple[Stage, ...]  # in order; every deal is created in the first
    won: Stage
    lost: Stage

    @property
    def stages(self) -> tuple[Stage, ...]:
        return (*self.open_stages, self.won, self.lost)


SALESFORCE = Pipeline(
    "salesforce",
    "Salesforce default stages",
    (
        Stage("Prospecting", "Prospecting", 0.10),
        Stage("Qualification", "Qualification", 0.10, visit=0.8),
        Stage("Needs Analysis", "Needs Analysis", 0.20, visit=0.5),
        Stage("Value Proposition", "Value Proposition", 0.50, visit=0.4),
        Stage("Id. Decision Makers", "Id. Decision Makers", 0.60, visit=0.35),
        Stage("Perception Analysis", "Perception Analysis", 0.70, visit=0.25),
        Stage("Proposal/Price Quote", "Proposal/Price Quote", 0.75, visit=0.85),
        Stage("Negotiation/Review", "Negotiation/Review", 0.90, visit=0.6),
    ),
    Stage("Closed Won", "Closed Won", 1.0, is_closed=True, is_won=True, forecast="Closed"),
    Stage("Closed Lost", "Closed Lost", 0.0, is_closed=True, forecast="Omitted"),
)
# A custom active stage outside the default funnel mapping; a few opportunities start in it.
SALESFORCE_CUSTOM_STAGE = Stage("Discovery", "Discovery", 0.15)
SALESFORCE_STAGE_ORDER = (
    SALESFORCE.open_stages[0],
    SALESFORCE_CUSTOM_STAGE,
    *SALESFORCE.open_stages[1:],
    SALESFORCE.won,
    SALESFORCE.lost,
)
FORECAST_NAMES = {
    "Pipeline": "Pipeline",
    "BestCase": "Best Case",
    "Forecast": "Commit",
    "Closed": "Closed",
    "Omitted": "Omitted",
}

HUBSPOT_DEFAULT = Pipeline(
    "default",
    "Sales Pipeline",
    (
        Stage("appointmentscheduled", "Appointment Scheduled", 0.2),
        Stage("qualifiedtobuy", "Qualified To Buy", 0.4, visit=0.8),
        Stage("presentationscheduled", "Presentation Scheduled", 0.6, visit=0.6),
        Stage("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, visit=0.5),
        Stage("contractsent", "Contract Sent", 0.9, visit=0.85),
    ),
    Stage("closedwon", "Closed Won", 1.0, is_closed=True, is_won=True),
    Stage("closedlost", "Closed Lost", 0.0, is_closed=True),
)
# A portal's own pipeline: numeric stage ids no default mapping knows.
HUBSPOT_CUSTOM = Pipeline(
    "2419357",
    "Partner Channel",
    (
        Stage("1094851", "Partner Referral", 0.1),
        Stage("1094852", "Joint Demo", 0.4, visit=0.8),
        Stage("1094853", "Partner Proposal", 0.7, visit=0.9),
    ),
    Stage("1094854", "Partner Won", 1.0, is_closed=True, is_won=True),
    Stage("1094855", "Partner Lost", 0.0, is_closed=True),
)
HUBSPOT_PIPELINES = (HUBSPOT_DEFAULT, HUBSPOT_CUSTOM)
