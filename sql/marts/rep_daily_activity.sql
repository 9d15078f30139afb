-- marts.rep_daily_activity: one row per rep and reporting-timezone date with at least one call,
-- booked meeting, held meeting or first appointment (KPI contract, section 3). Nothing after as_of
-- counts; deleted activities never count; a record without owner counts in no rep's row (but can
-- still be its prospect's first appointment).
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

live_activities as (
    select
        activities.*,
        cast(timezone(settings.timezone, activities.occurred_at) as date) as occurred_on,
        cast(timezone(settings.timezone, activities.booked_at) as date) as booked_on,
        activities.activity_type = 'meeting'
            and coalesce(activities.outcome, 'scheduled') in ('scheduled', 'completed')
            and activities.occurred_at <= settings.as_of as is_held
    from core.activities as activities
    cross join settings
    where not activities.is_deleted
),

-- A prospect's first appointment: its held meeting with the smallest (occurred_at, activity_id).
first_appointments as (
    select
        activity_id,
        rep_id,
        occurred_on
    from live_activities
    where is_held and prospect_id is not null
    qualify row_number() over (partition by prospect_id order by occurred_at, activity_id) = 1
),

calls as (
    select
        calls.rep_id,
        calls.occurred_on as activity_date,
        count(*) as calls,
        count(*) filter (where calls.outcome = 'connected') as connected_calls,
        coalesce(sum(calls.duration_seconds), 0) / 60.0 as call_minutes
    from live_activities as calls
    cross join settings
    where calls.activity_type = 'call' and calls.occurred_at <= settings.as_of
    group by 1, 2
),

booked as (
    select
        meetings.rep_id,
        meetings.booked_on as activity_date,
        count(*) as meetings_booked
    from live_activities as meetings
    cross join settings
    where meetings.activity_type = 'meeting' and meetings.booked_at <= settings.as_of
    group by 1, 2
),

held as (
    select
        rep_id,
        occurred_on as activity_date,
        count(*) as meetings_held
    from live_activities
    where is_held
    group by 1, 2
),

firsts as (
    select
        rep_id,
        occurred_on as activity_date,
        count(*) as first_appointments
    from first_appointments
    group by 1, 2
),

rep_days as (
    select rep_id, activity_date from calls
    union
    select rep_id, activity_date from booked
    union
    select rep_id, activity_date from held
    union
    select rep_id, activity_date from firsts
),

final as (
    select
        rep_days.activity_date,
        rep_days.rep_id,
        reps.name as rep_name,
        coalesce(calls.calls, 0) as calls,
        coalesce(calls.connected_calls, 0) as connected_calls,
        cast(coalesce(calls.call_minutes, 0) as double) as call_minutes,
        coalesce(booked.meetings_booked, 0) as meetings_booked,
        coalesce(held.meetings_held, 0) as meetings_held,
        coalesce(firsts.first_appointments, 0) as first_appointments,
        calls.connected_calls / nullif(calls.calls, 0) as connect_rate,
        coalesce(booked.meetings_booked, 0) / nullif(calls.connected_calls, 0) as appointment_rate,
        settings.as_of
    from rep_days
    cross join settings
    left join core.reps as reps on reps.rep_id = rep_days.rep_id
    left join calls on calls.rep_id = rep_days.rep_id and calls.activity_date = rep_days.activity_date
    left join booked on booked.rep_id = rep_days.rep_id and booked.activity_date = rep_days.activity_date
    left join held on held.rep_id = rep_days.rep_id and held.activity_date = rep_days.activity_date
    left join firsts on firsts.rep_id = rep_days.rep_id and firsts.activity_date = rep_days.activity_date
    where rep_days.rep_id is not null
)

select * from final
