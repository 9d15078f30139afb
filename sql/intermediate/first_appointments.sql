-- intermediate.first_appointments: one row per prospect with a held meeting, its first appointment
-- (docs/metrics.md, "intermediate.first_appointments"): the held meeting (live, at or before as_of,
-- outcome scheduled, completed or none) with the smallest (occurred_at, activity_id); activity_id is
-- unique, so the order is total.
-- Computed once for the marts that count first appointments (rep_daily_activity, rep_weekly_scorecard,
-- funnel_monthly, deal_facts). Its rep may be NULL: it is still the prospect's first appointment. It
-- reaches the top when that meeting reaches an executive (core.activities.reaches_executive).
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select as_of from config.build
),

held_meetings as (
    select
        activities.activity_id,
        activities.rep_id,
        activities.prospect_id,
        activities.occurred_at,
        activities.reaches_executive
    from core.activities as activities
    cross join settings
    where
        not activities.is_deleted
        and activities.activity_type = 'meeting'
        and coalesce(activities.outcome, 'scheduled') in ('scheduled', 'completed')
        and activities.occurred_at <= settings.as_of
        and activities.prospect_id is not null
),

-- One aggregation, no sort: the smallest struct orders by occurred_at, then activity_id (unique, so
-- rep_id never decides). A struct is never NULL even where rep_id is, so no meeting is skipped.
firsts as (
    select
        prospect_id,
        min(
            {
                'occurred_at': occurred_at,
                'activity_id': activity_id,
                'rep_id': rep_id,
                'reaches_executive': reaches_executive,
            }
        ) as first
    from held_meetings
    group by prospect_id
),

final as (
    select
        firsts.prospect_id,
        firsts.first.activity_id as activity_id,
        firsts.first.rep_id as rep_id,
        firsts.first.occurred_at as occurred_at,
        firsts.first.reaches_executive as reaches_executive,
        settings.as_of
    from firsts
    cross join settings
)

select * from final
