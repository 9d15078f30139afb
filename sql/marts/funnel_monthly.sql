-- marts.funnel_monthly: one row per rep and cohort month (the month, in the reporting timezone, in which
-- the rep's first appointments occurred): how many reached a proposal and how many were won (KPI
-- contract, section 3). Any rep's live deal with the appointment's prospect counts.
with

settings as (
    select
        coalesce(
            max(value) filter (where key = 'timezone'),
            error('config.settings has no timezone: write the reporting configuration first '
                || '(models.reporting.write_config)')
        ) as timezone,
        cast(
            coalesce(
                max(value) filter (where key = 'as_of'),
                error('config.settings has no as_of: write the reporting configuration first '
                    || '(models.reporting.write_config)')
            ) as timestamptz
        ) as as_of
    from config.settings
),

held_meetings as (
    select
        activities.activity_id,
        activities.rep_id,
        activities.prospect_id,
        activities.occurred_at
    from core.activities as activities
    cross join settings
    where
        not activities.is_deleted
        and activities.activity_type = 'meeting'
        and coalesce(activities.outcome, 'scheduled') in ('scheduled', 'completed')
        and activities.occurred_at <= settings.as_of
),

-- A prospect's first appointment: its held meeting with the smallest (occurred_at, activity_id)
-- (activity_id is unique, so the order is total): one aggregation, no sort. The columns are wrapped in a
-- struct, which is never NULL (arg_min skips NULL values, and rep_id may be NULL).
first_appointments as (
    select
        first.activity_id,
        first.rep_id,
        prospect_id,
        occurred_at
    from (
        select
            prospect_id,
            min(occurred_at) as occurred_at,
            arg_min(
                {'activity_id': activity_id, 'rep_id': rep_id},
                {'occurred_at': occurred_at, 'activity_id': activity_id}
            ) as first
        from held_meetings
        where prospect_id is not null
        group by prospect_id
    )
),

outcomes as (
    select
        appointments.activity_id,
        appointments.rep_id,
        cast(date_trunc('month', timezone(settings.timezone, appointments.occurred_at)) as date)
            as cohort_month,
        count(deals.deal_id) > 0 as has_proposal,
        coalesce(bool_or(deals.is_won), false) as has_won
    from first_appointments as appointments
    cross join settings
    left join core.deals as deals
        on deals.prospect_id = appointments.prospect_id
        and not deals.is_deleted
        and deals.reached_proposal_at >= appointments.occurred_at
        and deals.reached_proposal_at <= settings.as_of
    where appointments.rep_id is not null
    group by 1, 2, 3
),

cohorts as (
    select
        rep_id,
        cohort_month,
        count(*) as first_appointments,
        count(*) filter (where has_proposal) as reached_proposal,
        count(*) filter (where has_won) as won
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
        settings.as_of
    from cohorts
    cross join settings
    left join core.reps as reps on reps.rep_id = cohorts.rep_id
)

select * from final
