"""The org as Salesforce records: the world's Salesforce share turned into store tables, with the
field semantics of crm-api-notes.md (calls are Tasks, meetings Events, canceled meetings deleted
Events, stage changes OpportunityHistory rows) and the awkward cases real orgs have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandbox.org import model as w
from sandbox.org.config import OrgConfig
from sandbox.org.custom_values import CustomValues
from sandbox.org.directory import Directory
from sandbox.org.idmap import IdMap, choose, moments_after
from sandbox.org.loading import Batch, Nullable, insert_batch
from sandbox.org.reps import HUBSPOT, INTEGRATION_USER_EMAIL, Roster, team
from sandbox.org.sfids import sf_ids
from sandbox.org.stages import (
    FORECAST_NAMES,
    SALESFORCE,
    SALESFORCE_CUSTOM_STAGE,
    SALESFORCE_STAGE_ORDER,
)
from sandbox.org.text import (
    CALL_NOTES,
    CALL_SUBJECTS,
    EMAIL_SUBJECTS,
    FOLLOWUP_MEETING_SUBJECTS,
    HOSTILE_TEXTS,
    LIST_EMAIL_SUBJECTS,
    MEETING_LOCATIONS,
    MEETING_SUBJECTS,
    PRODUCTS,
    TASK_SUBJECTS,
    company_names,
    join,
    person_names,
    phone_numbers,
    pick,
    vocabulary,
    with_overrides,
)
from sandbox.org.timeline import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND
from sandbox.org.titles import draw_seniority, titles
from sandbox.salesforce.custom_fields import custom_fields
from sandbox.salesforce.objects import KEY_PREFIXES, LEAD_STATUSES
from sandbox.store import Store

FIRST_RECORD_NUMBER = 1_000_000  # record numbers (inside the ids) start here for every object
ARCHIVE_AFTER_DAYS = 365  # Salesforce archives closed activities older than a year

# Free-text call results as reps and dialers type them, per call outcome (see world.CONNECTED...).
DISPOSITION_VARIANTS = (
    ("Connected", "connected", " Connected ", "CONNECTED"),
    ("No Answer", "no answer", "No-Answer", "No\u00a0answer"),
    ("Left Voicemail", " left - voicemail ", "left_voicemail", "Left voicemail"),
    ("Busy", "busy "),
    ("Left live message", "Left Live Message"),
    ("Wrong number", "Wrong Number", "wrong-number"),
    ("Gatekeeper", "Gatekeeper - call back"),
)

# Stage codes: positions in SALESFORCE.stages, then the custom stage.
_STAGES = (*SALESFORCE.stages, SALESFORCE_CUSTOM_STAGE)
_DISCOVERY = len(SALESFORCE.stages)
_STAGE_NAMES = vocabulary([s.key for s in _STAGES])
_STAGE_PROBABILITY = np.array([s.probability * 100.0 for s in _STAGES])
_STAGE_FORECAST = vocabulary([s.forecast for s in _STAGES])
_STAGE_FORECAST_NAME = vocabulary([FORECAST_NAMES[s.forecast] for s in _STAGES])
_STAGE_CLOSED = np.array([s.is_closed for s in _STAGES])
_STAGE_WON = np.array([s.is_won for s in _STAGES])

# Task kinds (TaskSubtype Call, Task, Email, ListEmail).
_CALL, _TODO, _EMAIL, _LIST_EMAIL = range(4)
_FOLLOW_UPS = (_EMAIL, _LIST_EMAIL, _TODO)
# Follow-ups logged per Salesforce call, in _FOLLOW_UPS order: about as many e-mails (one in six a
# list e-mail) as calls, fewer to-dos.
FOLLOW_UPS_PER_CALL = (0.8, 0.15, 0.35)
LEAD_FOLLOW_UP_SHARE = 0.08  # of the follow-ups: to a lead not yet converted
CONVERTED_LEAD_SHARE = 0.3  # of the contacts: came in as a lead and were converted
QUIET_LEADS_PER_WORKED = 0.5  # unconverted leads nobody has worked yet, per lead with follow-ups
LEAD_SOURCES = ("Web", "Trade Show", "Partner Referral", "Purchased List")
# Opportunity.LeadSource per sandbox.org.deals.LEAD_SOURCES kind (referrals in mixed case, two words).
SALESFORCE_DEAL_SOURCES = (
    "Web",
    "Cold Call",
    "Partner Referral",
    "Customer referral",
    "Trade Show",
    "Existing Customer",
)


@dataclass(frozen=True)
class SalesforceOrg:
    user_ids: list[str | None]  # per rep
    integration_user_id: str
    counts: dict[str, int]
    bulk_modstamp_ms: int  # the SystemModstamp many Tasks share


def write_salesforce(
    store: Store,
    config: OrgConfig,
    world: w.World,
    roster: Roster,
    directory: Directory,
    rng: np.random.Generator,
) -> SalesforceOrg:
    return _SalesforceWriter(config, world, roster, directory, rng).write(store)


class _SalesforceWriter:
    def __init__(
        self,
        config: OrgConfig,
        world: w.World,
        roster: Roster,
        directory: Directory,
        rng: np.random.Generator,
    ) -> None:
        self.config, self.world, self.roster, self.directory, self.rng = config, world, roster, directory, rng
        self.end_ms = world.end_ms

    # -- helpers -------------------------------------------------------------------------------
    def ids(self, obj: str) -> Callable[[np.ndarray], pa.Array]:
        """Ids for rows 0..n-1 of an object, numbered from FIRST_RECORD_NUMBER in creation order."""
        return lambda rows: sf_ids(KEY_PREFIXES[obj], FIRST_RECORD_NUMBER + rows)

    def user_ref(self, slot: np.ndarray) -> pa.Array:
        """User ids by slot: 0 = the integration user, rep r = slot r + 1."""
        return pc.take(self.user_slots, pa.array(np.asarray(slot, dtype=np.int64)))

    def local_days(self, ms: np.ndarray, rep: np.ndarray) -> np.ndarray:
        return (ms + self.roster.utc_offset[rep] * MS_PER_HOUR) // MS_PER_DAY

    def later(self, after_ms: np.ndarray, chance: float, share: float = 1.0) -> np.ndarray:
        """Modification times: `chance` of the records were edited after `after_ms`."""
        edited = self.rng.random(len(after_ms)) < chance
        return np.where(edited, moments_after(self.rng, after_ms, self.end_ms, share), after_ms)

    # -- tables --------------------------------------------------------------------------------
    def write(self, store: Store) -> SalesforceOrg:
        users = self.users()
        stages = self.opportunity_stages()
        accounts = self.accounts()
        contacts = self.contacts()
        opportunities, history = self.opportunities()
        tasks = self.tasks()
        leads = self.leads(contacts, tasks)
        events = self.events()
        self.delete_some(accounts, contacts, opportunities, history, tasks, events)
        self.archive_old(tasks)
        self.archive_old(events)
        bulk_ms = self.touch_many(tasks)
        counts = {}
        batches = [users, stages, accounts, contacts, leads, opportunities, history, tasks, events]
        del users, stages, accounts, contacts, leads, opportunities, history, tasks, events
        while batches:  # free each table's columns once it is in the store
            batch = batches.pop(0)
            if "_modifier" in batch.columns:
                batch["LastModifiedById"] = self.user_ref(batch["_modifier"])
            counts[batch.table] = insert_batch(store, batch, self.custom_values(store, batch))
        return SalesforceOrg(self.rep_user_ids, self.integration_id, counts, bulk_ms)

    def custom_values(self, store: Store, batch: Batch) -> CustomValues | None:
        """The batch's custom field values, for a wide org (OrgConfig.custom_fields)."""
        sobject = batch.table.partition(".")[2]
        fields = custom_fields(sobject, store.custom_fields)
        return CustomValues(fields, seed=self.config.seed, sobject=sobject) if fields else None

    def users(self) -> Batch:
        r = self.roster
        reps = np.flatnonzero(r.group != HUBSPOT)
        reps = reps[np.argsort(r.sf_created_ms[reps], kind="stable")]
        n = len(reps) + 1
        ids = self.ids("User")(np.arange(n))
        self.integration_id = ids[0].as_py()
        slots = [None] * (r.size + 1)
        slots[0] = self.integration_id
        for row, rep in enumerate(reps, start=1):
            slots[rep + 1] = ids[row].as_py()
        self.user_slots = pa.array(slots, type=pa.string())
        self.rep_user_ids = slots[1:]
        self.org_created_ms = int(r.sf_created_ms[reps].min()) - 30 * MS_PER_DAY

        first = ["Integration", *(r.first_names[i] for i in reps)]
        last = ["User", *(r.last_names[i] for i in reps)]
        emails = [INTEGRATION_USER_EMAIL, *(r.sf_emails[i] for i in reps)]
        created = np.concatenate([[self.org_created_ms], r.sf_created_ms[reps]])
        modified = np.concatenate([[self.org_created_ms + MS_PER_DAY], r.modified_ms[reps]])
        teams = [team(int(r.team[i])) for i in reps]
        b = Batch("salesforce.User", n)
        b["Id"] = ids
        b["Username"] = pa.array([f"{e.lower()}.sandbox" for e in emails])
        b["Name"] = pa.array([f"{f} {la}" for f, la in zip(first, last, strict=True)])
        b["FirstName"], b["LastName"], b["Email"] = pa.array(first), pa.array(last), pa.array(emails)
        b["IsActive"] = np.concatenate([[True], ~r.departed[reps]])
        b["Department"] = pa.array([None, *(t.name for t in teams)], type=pa.string())
        b["Title"] = pa.array(["Integration", *("Account Executive" for _ in reps)])
        b["TimeZoneSidKey"] = pa.array(["GMT", *(t.time_zone for t in teams)])
        b["CreatedDate"], b["LastModifiedDate"], b["SystemModstamp"] = created, modified, modified
        b["CreatedById"] = b["LastModifiedById"] = self.user_ref(np.zeros(n, dtype=np.int64))
        return b

    def opportunity_stages(self) -> Batch:
        stages = SALESFORCE_STAGE_ORDER
        n = len(stages)
        created = np.full(n, self.org_created_ms + MS_PER_HOUR)
        custom = np.array([s is SALESFORCE_CUSTOM_STAGE for s in stages])
        created = np.where(custom, self.org_created_ms + 20 * MS_PER_DAY, created)
        b = Batch("salesforce.OpportunityStage", n)
        b["Id"] = self.ids("OpportunityStage")(np.arange(n))
        b["MasterLabel"] = b["ApiName"] = pa.array([s.key for s in stages])
        b["IsActive"] = True
        b["SortOrder"] = np.arange(1, n + 1)
        b["IsClosed"] = np.array([s.is_closed for s in stages])
        b["IsWon"] = np.array([s.is_won for s in stages])
        b["ForecastCategory"] = pa.array([s.forecast for s in stages])
        b["ForecastCategoryName"] = pa.array([FORECAST_NAMES[s.forecast] for s in stages])
        b["DefaultProbability"] = np.array([s.probability * 100.0 for s in stages])
        b["Description"] = pa.array([("Custom stage added by sales ops" if c else None) for c in custom])
        b["CreatedDate"], b["LastModifiedDate"], b["SystemModstamp"] = created, created, created
        b["CreatedById"] = b["LastModifiedById"] = self.user_ref(np.zeros(n, dtype=np.int64))
        return b

    def accounts(self) -> Batch:
        p = self.world.prospects
        self.account_map = IdMap.by_creation(p.in_crm[0] & ~p.is_person, p.created_ms[0], self.ids("Account"))
        rows = self.account_map.members
        n = len(rows)
        rep = p.rep[rows]
        d = self.world.deals
        customer = np.zeros(p.size, dtype=bool)
        customer[d.prospect[d.is_closed & d.is_won & (d.crm == 0)]] = True
        names = with_overrides(
            pc.take(self.directory.company_name, pa.array(rows)),
            choose(self.rng, np.arange(n), len(HOSTILE_TEXTS)),
            HOSTILE_TEXTS,
        )
        b = Batch("salesforce.Account", n)
        b["Id"] = self.account_map.ids
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        b["Name"] = names
        b["Type"] = pc.if_else(pa.array(customer[rows]), "Customer", "Prospect")
        b["Industry"] = pc.take(self.directory.industry, pa.array(rows))
        b["Website"] = join("www", pc.take(self.directory.domain, pa.array(rows)), sep=".")
        b["OwnerId"] = self.user_ref(rep + 1)
        imported = self.rng.random(n) < 0.2
        b["CreatedById"] = self.user_ref(np.where(imported, 0, rep + 1))
        b["CreatedDate"] = p.created_ms[0][rows]
        b["LastModifiedDate"] = b["SystemModstamp"] = p.modified_ms[0][rows]
        b["_modifier"] = rep + 1
        return b

    def contacts(self) -> Batch:
        p, cp = self.world.prospects, self.directory.contact_prospect
        created = p.created_ms[0][cp] + self.rng.integers(0, 10 * MS_PER_MINUTE, len(cp))
        self.contact_map = IdMap.by_creation(p.in_crm[0][cp], created, self.ids("Contact"))
        rows = self.contact_map.members
        n = len(rows)
        prospect = cp[rows]
        rep = p.rep[prospect]
        b = Batch("salesforce.Contact", n)
        b["Id"] = self.contact_map.ids
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        b["AccountId"] = self.account_map.refs(prospect)
        b["_account"] = self.account_map.rank_of[prospect]
        take = pa.array(rows)
        b["FirstName"] = pc.take(self.directory.first_name, take)
        b["LastName"] = pc.take(self.directory.last_name, take)
        b["Name"] = pc.take(self.directory.full_name, take)
        b["Email"] = pc.take(self.directory.email, take)
        b["Phone"] = pc.take(self.directory.phone, take)
        b["Title"] = _salesforce_text(pc.take(self.directory.title, take))
        b["OwnerId"] = b["CreatedById"] = self.user_ref(rep + 1)
        b["CreatedDate"] = created[rows]
        b["LastModifiedDate"] = b["SystemModstamp"] = self.later(created[rows], 0.3)
        b["_modifier"] = rep + 1
        return b

    def leads(self, contacts: Batch, tasks: Batch) -> Batch:
        """Leads: converted ones (CONVERTED_LEAD_SHARE of the contacts came in as one, converted when
        the contact was created) and unconverted people: some worked (the tasks marked `_lead` are
        theirs, and get their WhoId here), some not yet, a few of those deleted."""
        rng, people = self.rng, self.directory
        converted = np.flatnonzero(rng.random(contacts.n) < CONVERTED_LEAD_SHARE)
        worked = np.flatnonzero(tasks["_lead"])
        quiet = max(self.config.awkward_min, round(QUIET_LEADS_PER_WORKED * len(worked)))
        n_converted, n_new = len(converted), len(worked) + quiet
        became = self.contact_map.members[converted]  # directory people
        prospect = people.contact_prospect[became]
        converted_at = contacts["CreatedDate"][converted]
        quiet_reps = rng.choice(np.flatnonzero(self.roster.group != HUBSPOT), quiet)
        created = np.concatenate(
            [
                converted_at - rng.integers(MS_PER_DAY, 30 * MS_PER_DAY, n_converted),
                tasks["CreatedDate"][worked] - rng.integers(MS_PER_HOUR, 20 * MS_PER_DAY, len(worked)),
                rng.integers(self.world.start_ms, self.end_ms, quiet),
            ]
        )
        owner = np.concatenate([contacts["_modifier"][converted], tasks["_owner"][worked], quiet_reps + 1])
        status = np.concatenate(  # LEAD_STATUSES indexes
            [
                np.full(n_converted, 2),
                np.full(len(worked), 1),
                rng.choice([0, 1, 3], quiet, p=[0.6, 0.2, 0.2]),
            ]
        )
        is_converted = np.arange(len(created)) < n_converted
        became_ref = np.concatenate([became, np.full(n_new, -1)])
        account_ref = np.concatenate([prospect, np.full(n_new, -1)])

        first, last, slug = person_names(rng, n_new)
        companies, domains = company_names(rng, n_new)
        take = pa.array(became)
        company = pc.if_else(
            pa.array(self.world.prospects.is_person[prospect]),
            pc.take(people.full_name, take),
            pc.take(people.company_name, pa.array(prospect)),
        )
        columns = {
            "FirstName": (pc.take(people.first_name, take), first),
            "LastName": (pc.take(people.last_name, take), last),
            "Title": (pc.take(people.title, take), titles(rng, draw_seniority(rng, n_new))),
            "Email": (pc.take(people.email, take), join(slug, domains, sep="@")),
            "Phone": (pc.take(people.phone, take), phone_numbers(rng, n_new)),
            "Company": (company, companies),
        }
        lead_map = IdMap.by_creation(np.ones(len(created), dtype=bool), created, self.ids("Lead"))
        rows = lead_map.members
        n = len(rows)
        b = Batch("salesforce.Lead", n)
        b["Id"] = lead_map.ids
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        for name, (old, new) in columns.items():
            b[name] = pc.take(pa.concat_arrays([old, new]), pa.array(rows))
        b["Name"] = join(b["FirstName"], b["LastName"], sep=" ")
        b["Title"] = _salesforce_text(b["Title"])
        b["Status"] = pick(vocabulary(LEAD_STATUSES), status[rows])
        b["LeadSource"] = pick(vocabulary(LEAD_SOURCES), rng.integers(0, len(LEAD_SOURCES), n))
        b["IsConverted"] = is_converted[rows]
        b["ConvertedAccountId"] = self.account_map.refs(account_ref[rows])
        b["ConvertedContactId"] = self.contact_map.refs(became_ref[rows])
        b["ConvertedOpportunityId"] = None
        converted_day = np.concatenate([converted_at // MS_PER_DAY, np.zeros(n_new, dtype=np.int64)])
        b["ConvertedDate"] = Nullable(converted_day[rows], is_converted[rows])
        b["OwnerId"] = b["CreatedById"] = self.user_ref(owner[rows])
        b["CreatedDate"] = created[rows]
        modified = np.concatenate([converted_at, self.later(created[n_converted:], 0.3)])
        b["LastModifiedDate"] = b["SystemModstamp"] = modified[rows]
        b["_modifier"] = owner[rows]

        rank = lead_map.rank_of[n_converted + np.arange(len(worked))]
        lead_of_task = np.zeros(tasks.n, dtype=np.int64)
        lead_of_task[worked] = rank
        tasks["WhoId"] = pc.if_else(
            pa.array(tasks["_lead"]), pc.take(lead_map.ids, pa.array(lead_of_task)), tasks["WhoId"]
        )
        quiet_rows = np.flatnonzero(rows >= n_converted + len(worked))
        self._delete(b, choose(rng, quiet_rows, self.config.awkward_count(len(quiet_rows))))
        return b

    def opportunities(self) -> tuple[Batch, Batch]:
        d, p = self.world.deals, self.world.prospects
        self.opportunity_map = IdMap.by_creation(d.crm == 0, d.created_ms, self.ids("Opportunity"))
        rows = self.opportunity_map.members
        n = len(rows)
        # The custom 'Discovery' stage: a few open opportunities were moved into it, and if there are
        # too few open ones, some closed ones started in it.
        still_open = ~d.is_closed[rows]
        k = self.config.awkward_count(n)
        moved = choose(self.rng, np.flatnonzero(still_open), k)
        started = choose(self.rng, np.flatnonzero(~still_open), k - len(moved))
        in_discovery = np.zeros(d.size, dtype=bool)
        in_discovery[rows[moved]] = True
        started_in_discovery = np.zeros(d.size, dtype=bool)
        started_in_discovery[rows[started]] = True
        no_amount = np.zeros(d.size, dtype=bool)
        no_amount[rows[choose(self.rng, np.arange(n), self.config.awkward_count(n))]] = True
        self.opportunity_no_amount = no_amount

        stage = np.where(in_discovery[rows], _DISCOVERY, d.position[rows])
        rep = d.rep[rows]
        prospect = d.prospect[rows]
        close_day = np.where(d.is_closed[rows], d.close_ms[rows], d.expected_close_ms[rows]) // MS_PER_DAY
        product = pick(vocabulary(PRODUCTS), self.rng.integers(0, len(PRODUCTS), n))
        who = pc.if_else(
            pa.array(p.is_person[prospect]),
            pc.take(self.directory.full_name, pa.array(d.contact[rows])),
            pc.take(self.directory.company_name, pa.array(prospect)),
        )
        b = Batch("salesforce.Opportunity", n)
        b["Id"] = self.opportunity_map.ids
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        b["AccountId"] = self.account_map.refs(prospect)
        b["_account"] = self.account_map.rank_of[prospect]
        b["ContactId"] = self.contact_map.refs(d.contact[rows])
        b["Name"] = join(who, product, sep=" - ")
        b["Description"] = None
        b["StageName"] = pc.take(_STAGE_NAMES, pa.array(stage))
        b["Amount"] = Nullable(d.amount[rows], ~no_amount[rows])
        b["Probability"] = _STAGE_PROBABILITY[stage]
        b["CloseDate"] = close_day
        b["Type"] = pc.if_else(pa.array(self.rng.random(n) < 0.85), "New Business", "Existing Business")
        b["LeadSource"] = pick(vocabulary(SALESFORCE_DEAL_SOURCES), d.lead_source[rows])
        b["IsClosed"] = _STAGE_CLOSED[stage]
        b["IsWon"] = _STAGE_WON[stage]
        b["ForecastCategory"] = pc.take(_STAGE_FORECAST, pa.array(stage))
        b["ForecastCategoryName"] = pc.take(_STAGE_FORECAST_NAME, pa.array(stage))
        b["CurrencyIsoCode"] = pc.if_else(pa.array(d.currency[rows] == w.EUR), "EUR", "USD")
        b["OwnerId"] = b["CreatedById"] = self.user_ref(rep + 1)
        b["CreatedDate"] = d.created_ms[rows]
        b["LastModifiedDate"] = b["SystemModstamp"] = d.modified_ms[rows]
        b["_modifier"] = rep + 1
        return b, self.opportunity_history(in_discovery, started_in_discovery, no_amount)

    def opportunity_history(
        self, in_discovery: np.ndarray, started_in_discovery: np.ndarray, no_amount: np.ndarray
    ) -> Batch:
        """A row per stage entered, plus a row repeating the stage where amount or close date changed."""
        d = self.world.deals
        entries = self.world.stages
        mine = d.crm[entries.deal] == 0
        stage_deal, stage_ms, stage_pos = entries.deal[mine], entries.entered_ms[mine], entries.position[mine]
        edit_deal = np.flatnonzero((d.crm == 0) & (d.edit_ms != w.NEVER))
        deal = np.concatenate([stage_deal, edit_deal])
        ms = np.concatenate([stage_ms, d.edit_ms[edit_deal]])
        code = np.concatenate([stage_pos, np.full(len(edit_deal), -1)])
        code = np.where((code == d.position[deal]) & in_discovery[deal], _DISCOVERY, code)
        code = np.where((code == 0) & started_in_discovery[deal], _DISCOVERY, code)
        order = np.lexsort((ms, deal))
        deal, ms, code = deal[order], ms[order], code[order]
        # Edit rows repeat the stage of the row before them (same deal: each deal starts with a stage row).
        last_stage_row = np.maximum.accumulate(np.where(code >= 0, np.arange(len(code)), 0))
        code = code[last_stage_row]

        history_map = IdMap.by_creation(np.ones(len(ms), dtype=bool), ms, self.ids("OpportunityHistory"))
        rows = history_map.members
        deal, ms, code = deal[rows], ms[rows], code[rows]
        n = len(rows)
        edited = ms >= d.edit_ms[deal]
        amount = np.where(edited, d.amount[deal], d.amount_before_edit[deal])
        expected = np.where(edited, d.expected_close_ms[deal], d.expected_close_before_edit_ms[deal])
        close_day = np.where(_STAGE_CLOSED[code], ms, expected) // MS_PER_DAY
        probability = _STAGE_PROBABILITY[code]
        has_amount = ~no_amount[deal]
        b = Batch("salesforce.OpportunityHistory", n)
        b["Id"] = history_map.ids
        b["OpportunityId"] = self.opportunity_map.refs(deal)
        b["_opportunity"] = self.opportunity_map.rank_of[deal]
        b["StageName"] = pc.take(_STAGE_NAMES, pa.array(code))
        b["Amount"] = Nullable(amount, has_amount)
        b["ExpectedRevenue"] = Nullable(amount * probability / 100.0, has_amount)
        b["CloseDate"] = close_day
        b["Probability"] = probability
        b["ForecastCategory"] = pc.take(_STAGE_FORECAST, pa.array(code))
        b["CurrencyIsoCode"] = pc.if_else(pa.array(d.currency[deal] == w.EUR), "EUR", "USD")
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        b["CreatedDate"] = b["SystemModstamp"] = ms
        b["CreatedById"] = self.user_ref(d.rep[deal] + 1)
        return b

    def tasks(self) -> Batch:
        """Calls, and the e-mails and to-dos reps log beside them (FOLLOW_UPS_PER_CALL); a share of the
        follow-ups go to people who are still unconverted leads (their WhoId is set by `leads`)."""
        c, rng = self.world.calls, self.rng
        calls = np.flatnonzero(c.crm == 0)
        counts = [max(self.config.awkward_min, round(rate * len(calls))) for rate in FOLLOW_UPS_PER_CALL]
        side = rng.choice(calls, sum(counts), replace=len(calls) < sum(counts))
        source = np.concatenate([calls, side])
        kind = np.concatenate(
            [
                np.full(len(calls), _CALL),
                *(np.full(k, code) for k, code in zip(counts, _FOLLOW_UPS, strict=True)),
            ]
        )
        rep, at = c.rep[source], c.at_ms[source]
        later = np.minimum(at + rng.integers(10 * MS_PER_MINUTE, 2 * MS_PER_DAY, len(at)), self.end_ms - 1)
        at = np.where(kind == _CALL, at, later)
        logged = np.where(kind == _CALL, rng.integers(5, 180, len(at)) * MS_PER_SECOND, 0)
        created = np.minimum(at + logged, self.end_ms - 1)
        order = np.argsort(created, kind="stable")
        source, kind, rep, at, created = source[order], kind[order], rep[order], at[order], created[order]
        n = len(source)
        is_call = kind == _CALL

        todo_open = (kind == _TODO) & (rng.random(n) < 0.4)
        completed_at = np.where(kind == _TODO, moments_after(rng, created, self.end_ms, 0.05), at)
        no_completed = (is_call & (rng.random(n) < 0.03)) | todo_open
        modified = np.maximum(self.later(created, 0.1, 0.2), np.where(no_completed, 0, completed_at))
        outcome = np.where(is_call, c.outcome[source], w.CONNECTED)
        not_connected = np.flatnonzero(is_call & (outcome != w.CONNECTED))
        k_null = max(self.config.awkward_count(int(is_call.sum())), round(0.03 * len(not_connected)))
        no_disposition = np.zeros(n, dtype=bool)
        no_disposition[choose(rng, not_connected, k_null)] = True
        detached = np.zeros(n, dtype=bool)
        detached[choose(rng, np.flatnonzero(is_call), self.config.awkward_count(int(is_call.sum())))] = True

        prospect, contact, deal = c.prospect[source], c.contact[source], c.deal[source]
        by_kind = (CALL_SUBJECTS, TASK_SUBJECTS, EMAIL_SUBJECTS, LIST_EMAIL_SUBJECTS)
        sizes = np.array([len(v) for v in by_kind])
        base = (np.cumsum(sizes) - sizes)[kind]
        subjects = vocabulary([text for v in by_kind for text in v])
        subject = pick(subjects, base + (rng.random(n) * sizes[kind]).astype(np.int64))
        # Follow-ups to people still in the lead stage: no account, opportunity or contact yet.
        to_lead = (kind != _CALL) & (rng.random(n) < LEAD_FOLLOW_UP_SHARE)
        to_lead[choose(rng, np.flatnonzero(kind != _CALL), self.config.awkward_min)] = True
        hostile = choose(rng, np.flatnonzero(is_call), len(HOSTILE_TEXTS))
        has_notes = is_call & (rng.random(n) < 0.08)
        high = (kind == _TODO) & (rng.random(n) < 0.1)

        b = Batch("salesforce.Task", n)
        b["Id"] = self.ids("Task")(np.arange(n))
        b["IsDeleted"] = np.zeros(n, dtype=bool)
        b["IsArchived"] = np.zeros(n, dtype=bool)
        self._relations(b, prospect, contact, deal, ~detached & ~to_lead)
        b["_lead"] = to_lead
        b["_owner"] = rep + 1
        b["Subject"] = with_overrides(subject, hostile, HOSTILE_TEXTS)
        due = np.where(kind == _TODO, created + 2 * MS_PER_DAY, at)
        b["ActivityDate"] = self.local_days(due, rep)
        b["Description"] = pick(vocabulary(CALL_NOTES), rng.integers(0, len(CALL_NOTES), n), has_notes)
        b["OwnerId"] = b["CreatedById"] = self.user_ref(rep + 1)
        b["Type"] = pick(vocabulary(["Call", "Other", "Email", "Email"]), kind, kind != _TODO)
        b["Status"] = pc.if_else(pa.array(todo_open), "Not Started", "Completed")
        b["Priority"] = pc.if_else(pa.array(high), "High", "Normal")
        b["IsHighPriority"] = high
        b["IsClosed"] = ~todo_open
        duration = c.duration_s[source]
        b["CallDurationInSeconds"] = Nullable(duration, is_call & ~(no_disposition & (rng.random(n) < 0.5)))
        b["CallType"] = pick(vocabulary(["Outbound", "Inbound"]), c.inbound[source].astype(np.int64), is_call)
        b["CallDisposition"] = self._dispositions(outcome, is_call & ~no_disposition)
        b["CallObject"] = None
        b["TaskSubtype"] = pick(vocabulary(["Call", "Task", "Email", "ListEmail"]), kind)
        b["CompletedDateTime"] = Nullable(completed_at, ~no_completed)
        b["CreatedDate"] = created
        b["LastModifiedDate"] = b["SystemModstamp"] = modified
        b["_modifier"] = rep + 1
        b["_closed"] = ~todo_open
        return b

    def _dispositions(self, outcome: np.ndarray, valid: np.ndarray) -> pa.Array:
        flat = [v for variants in DISPOSITION_VARIANTS for v in variants]
        sizes = np.array([len(v) for v in DISPOSITION_VARIANTS])
        offsets = np.cumsum(sizes) - sizes
        # The canonical spelling dominates; odd variants are rarer.
        variant = np.minimum(self.rng.geometric(0.6, len(outcome)) - 1, sizes[outcome] - 1)
        return pick(vocabulary(flat), offsets[outcome] + variant, valid)

    def _relations(
        self, b: Batch, prospect: np.ndarray, contact: np.ndarray, deal: np.ndarray, attached: np.ndarray
    ) -> None:
        """WhoId (contact), WhatId (opportunity, else account) and AccountId; none where detached."""
        account_rank = np.where(prospect >= 0, self.account_map.rank_of[np.maximum(prospect, 0)], -1)
        b["WhoId"] = self.contact_map.refs(contact, attached)
        account = self.account_map.refs(prospect, attached)
        opportunity = self.opportunity_map.refs(deal, attached)
        b["WhatId"] = pc.coalesce(opportunity, account)
        b["AccountId"] = account
        b["_account"] = np.where(attached, account_rank, -1)

    def events(self) -> Batch:
        m, rng = self.world.meetings, self.rng
        members = np.flatnonzero(m.crm == 0)
        members = members[np.argsort(m.booked_ms[members], kind="stable")]
        n = len(members)
        rep, start, minutes = m.rep[members], m.start_ms[members], m.minutes[members]
        booked, outcome = m.booked_ms[members], m.outcome[members]
        canceled = outcome == w.CANCELED
        detached = np.zeros(n, dtype=bool)
        detached[choose(rng, np.arange(n), self.config.awkward_count(n))] = True
        follow_up = m.source[members] == w.FOLLOW_UP
        subjects = MEETING_SUBJECTS + FOLLOWUP_MEETING_SUBJECTS
        sizes = np.where(follow_up, len(FOLLOWUP_MEETING_SUBJECTS), len(MEETING_SUBJECTS))
        subject = pick(
            vocabulary(subjects),
            np.where(follow_up, len(MEETING_SUBJECTS), 0) + (rng.random(n) * sizes).astype(np.int64),
        )
        edited_after = (~canceled) & (start < self.end_ms) & (rng.random(n) < 0.3)
        modified = np.where(edited_after, m.outcome_ms[members], booked)

        b = Batch("salesforce.Event", n)
        b["Id"] = self.ids("Event")(np.arange(n))
        b["IsDeleted"] = canceled.copy()  # Salesforce has no outcome: a canceled meeting is deleted
        b["IsArchived"] = np.zeros(n, dtype=bool)
        self._relations(b, m.prospect[members], m.contact[members], m.deal[members], ~detached)
        b["Subject"] = with_overrides(subject, choose(rng, np.arange(n), len(HOSTILE_TEXTS)), HOSTILE_TEXTS)
        b["ActivityDate"] = self.local_days(start, rep)
        b["Description"] = None
        b["OwnerId"] = b["CreatedById"] = self.user_ref(rep + 1)
        b["Type"] = "Meeting"
        b["Location"] = pick(vocabulary(MEETING_LOCATIONS), rng.integers(0, len(MEETING_LOCATIONS), n))
        b["IsAllDayEvent"] = False
        b["ActivityDateTime"] = b["StartDateTime"] = start
        b["DurationInMinutes"] = minutes
        b["EndDateTime"] = start + minutes * MS_PER_MINUTE
        b["EventSubtype"] = "Event"
        b["ShowAs"] = "Busy"
        b["CreatedDate"] = booked
        b["LastModifiedDate"] = modified
        b["SystemModstamp"] = np.where(canceled, np.maximum(m.outcome_ms[members], modified), modified)
        b["_modifier"] = rep + 1
        b["_closed"] = start < self.end_ms
        return b

    # -- awkward cases -------------------------------------------------------------------------
    def delete_some(
        self,
        accounts: Batch,
        contacts: Batch,
        opportunities: Batch,
        history: Batch,
        tasks: Batch,
        events: Batch,
    ) -> None:
        """Deleted records: a few tasks, events and opportunities (with their history), and a few
        accounts with everything under them, as Salesforce cascades an account delete."""
        k = self.config.awkward_count
        for batch in (tasks, events, opportunities):
            alive = np.flatnonzero(~batch["IsDeleted"])
            self._delete(batch, choose(self.rng, alive, k(batch.n)))
        gone = choose(self.rng, np.arange(accounts.n), k(accounts.n))
        if len(gone):
            when = accounts["SystemModstamp"][gone].copy()
            slot = np.full(accounts.n, -1)
            slot[gone] = np.arange(len(gone))
            for child in (contacts, opportunities, tasks, events):
                owner = child["_account"]
                mine = np.flatnonzero((owner >= 0) & (slot[np.maximum(owner, 0)] >= 0))
                np.maximum.at(when, slot[owner[mine]], child["SystemModstamp"][mine])
            when = np.minimum(
                when + self.rng.integers(MS_PER_MINUTE, 3 * MS_PER_DAY, len(gone)), self.end_ms - 1
            )
            self._delete(accounts, gone, when)
            for child in (contacts, opportunities, tasks, events):
                owner = child["_account"]
                mine = np.flatnonzero((owner >= 0) & (slot[np.maximum(owner, 0)] >= 0) & ~child["IsDeleted"])
                self._delete(child, mine, when[slot[owner[mine]]])
        deleted_opportunities = np.flatnonzero(opportunities["IsDeleted"])
        rows = np.flatnonzero(np.isin(history["_opportunity"], deleted_opportunities))
        history["IsDeleted"][rows] = True
        history["SystemModstamp"][rows] = opportunities["SystemModstamp"][history["_opportunity"][rows]]

    def _delete(self, batch: Batch, rows: np.ndarray, when: np.ndarray | None = None) -> None:
        stamp = batch["SystemModstamp"]
        if when is None:
            when = moments_after(self.rng, stamp[rows], self.end_ms)
        batch["IsDeleted"][rows] = True
        stamp[rows] = np.maximum(stamp[rows], when)

    def archive_old(self, batch: Batch) -> None:
        """Salesforce archives closed activities older than a year; at least a few always are."""
        closed = batch["_closed"] & ~batch["IsDeleted"]
        age_limit = (self.end_ms // MS_PER_DAY) - ARCHIVE_AFTER_DAYS
        archived = closed & (batch["ActivityDate"] < age_limit)
        wanted = self.config.awkward_count(batch.n)
        if archived.sum() < wanted:
            candidates = np.flatnonzero(closed & ~archived)
            oldest = candidates[np.argsort(batch["ActivityDate"][candidates], kind="stable")]
            archived[oldest[: wanted - int(archived.sum())]] = True
        batch["IsArchived"] = archived

    def touch_many(self, tasks: Batch) -> int:
        """A mass update (data loader, by the integration user) gives many tasks one SystemModstamp."""
        stamp = self.end_ms - 2 * MS_PER_DAY + 2 * MS_PER_HOUR + 13 * MS_PER_MINUTE + 7 * MS_PER_SECOND
        eligible = np.flatnonzero(
            ~tasks["IsDeleted"] & ~tasks["IsArchived"] & (tasks["SystemModstamp"] < stamp)
        )
        touched = choose(self.rng, eligible, min(self.config.bulk_touch_tasks, int(0.6 * len(eligible))))
        tasks["LastModifiedDate"][touched] = stamp
        tasks["SystemModstamp"][touched] = stamp
        tasks["_modifier"][touched] = 0
        return stamp


def _salesforce_text(column: pa.Array) -> pa.Array:
    """Salesforce keeps empty text as null (whitespace-only text stays as typed)."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
