-- marts.funnel_monthly: one row per rep and cohort month (the month, in the reporting timezone, in which
-- the rep's first appointments occurred): how many reached a proposal and how many were won
-- (docs/metrics.md, "marts.funnel_monthly"), for all of them and for those at the top (reaching an
-- executive) against the others. Any rep's live deal with the appointment's prospect counts.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of from config.build
),

outcomes as (
    select
        appointments.activity_id,
        appointments.rep_id,
        appointments.reaches_executive,
        cast(date_trunc('month', timezone(settings.timezone, appointments.occurred_at)) as date)
            as cohort_month,
        count(deals.deal_id) > 0 as has_proposal,
        coalesce(bool_or(deals.is_won), false) as has_won
    from intermediate.first_appointments as appointments
    cross join settings
    left join core.deals as deals
        on deals.prospect_id = appointments.prospect_id
        and not deals.is_deleted
        and deals.reached_proposal_at >= appointments.occurred_at
        and deals.reached_proposal_at <= settings.as_of
    where appointments.rep_id is not null
    group by 1, 2, 3, 4
),

cohorts as (
    select
        rep_id,
        cohort_month,
        count(*) as first_appointments,
        count(*) filter (where has_proposal) as reached_proposal,
        count(*) filter (where has_won) as won,
        count(*) filter (where reaches_executive) as executive_first_appointments,
        count(*) filter (where reaches_executive and has_proposal) as executive_reached_proposal
    from outcomes
    group by 1, 2
),

final as (
    select
        cohorts.cohort_month,
        cohorts.rep_id,
        reps.name as rep_name,
        cohorts.first_appointments,
        cohorts.reached_proposal,
        cohorts.won,
        cohorts.reached_proposal / nullif(cohorts.first_appointments, 0) as appointment_to_proposal_rate,
        cohorts.won / nullif(cohorts.reached_proposal, 0) as proposal_to_win_rate,
        cohorts.executive_first_appointments,
        cohorts.executive_reached_proposal,
        cohorts.executive_reached_proposal / nullif(cohorts.executive_first_appointments, 0)
            as executive_appointment_to_proposal_rate,
        (cohorts.reached_proposal - cohorts.executive_reached_proposal)
        / nullif(cohorts.first_appointments - cohorts.executive_first_appointments, 0)
            as other_appointment_to_proposal_rate,
        settings.as_of
    from cohorts
    cross join settings
    left join core.reps as reps on reps.rep_id = cohorts.rep_id
)

select * from final
