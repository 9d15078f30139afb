-- marts.rep_daily_activity: one row per rep and reporting-timezone date with at least one call,
-- booked meeting, held meeting, first appointment, outbound e-mail or completed task (docs/metrics.md,
-- "marts.rep_daily_activity").
-- Nothing after as_of counts; deleted activities never count; a record without owner counts in no
-- rep's row (but can still be its prospect's first appointment, intermediate.first_appointments).
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of from config.build
),

-- Live activities with the flags every count below needs. Not materialized: each use below scans
-- core.activities again (cheaper than storing ten million rows once).
live_activities as not materialized (
    select
        activities.activity_id,
        activities.rep_id,
        activities.prospect_id,
        activities.activity_type,
        activities.outcome,
        activities.duration_seconds,
        activities.occurred_at,
        activities.booked_at,
        activities.direction,
        activities.is_done,
        activities.reaches_executive,
        activities.activity_type = 'meeting'
            and coalesce(activities.outcome, 'scheduled') in ('scheduled', 'completed')
            and activities.occurred_at <= settings.as_of as is_held
    from core.activities as activities
    cross join settings
    where not activities.is_deleted
),

-- One row per counted event, keyed by rep and time: calls, held meetings, outbound e-mails and done
-- tasks when they occurred, booked meetings when they were booked, first appointments when they
-- occurred. One aggregation.
events as (
    select
        hash(rep_id) as rep_key,
        occurred_at as event_at,
        activity_type = 'call' as is_call,
        activity_type = 'call' and outcome = 'connected' as is_connected,
        case when activity_type = 'call' then duration_seconds end as call_seconds,
        is_held,
        false as is_booked,
        false as is_first,
        activity_type = 'email' as is_email_sent,
        activity_type = 'task' as is_task_done,
        is_held and reaches_executive as is_executive_held
    from live_activities
    cross join settings
    where
        rep_id is not null
        and (
            (activity_type = 'call' and occurred_at <= settings.as_of)
            or is_held
            or (activity_type = 'email' and direction = 'outbound' and occurred_at <= settings.as_of)
            or (activity_type = 'task' and is_done and occurred_at <= settings.as_of)
        )
    union all
    select hash(rep_id), booked_at, false, false, null, false, true, false, false, false, false
    from live_activities
    cross join settings
    where rep_id is not null and activity_type = 'meeting' and booked_at <= settings.as_of
    union all
    select hash(rep_id), occurred_at, false, false, null, false, false, true, false, false, false
    from intermediate.first_appointments
    where rep_id is not null
),

-- Reporting-timezone dates by 15-minute UTC slot (epoch seconds // 900): every UTC offset in use is a
-- whole number of quarter hours, so all instants of a slot share one local date. The dates of every slot
-- from the first to the last event are converted once into a list, and each event looks its date up by
-- position: no time-zone arithmetic per event.
slot_range as (
    select
        least(min(epoch_us(occurred_at)), min(epoch_us(booked_at))) // 900000000 as first_slot,
        greatest(max(epoch_us(occurred_at)), max(epoch_us(booked_at))) // 900000000 as last_slot
    from core.activities
),

slot_dates as (
    select
        slot_range.first_slot,
        list(
            cast(timezone(settings.timezone, to_timestamp(slots.slot * 900)) as date) order by slots.slot
        ) as dates
    from slot_range
    cross join settings
    cross join range(slot_range.first_slot, slot_range.last_slot + 1) as slots (slot)
    group by 1
),

-- The aggregation below keys reps by a 64-bit hash of rep_id (an integer groups faster than text);
-- here each key is mapped back to its rep_id. Should two rep_ids ever share a hash (for a few thousand
-- reps the odds are about 1 in 10^12), the build stops rather than merge their counts.
rep_keys as (
    select
        hash(rep_id) as rep_key,
        case
            when count(*) = 1 then min(rep_id)
            else error('rep_daily_activity: two rep_ids share one 64-bit hash: ' || string_agg(rep_id, ', '))
        end as rep_id
    from (select distinct rep_id from core.activities where rep_id is not null)
    group by 1
),

rep_days as (
    select
        events.rep_key,
        slot_dates.dates[epoch_us(events.event_at) // 900000000 - slot_dates.first_slot + 1]
            as activity_date,
        count(*) filter (where events.is_call) as calls,
        count(*) filter (where events.is_connected) as connected_calls,
        coalesce(sum(events.call_seconds), 0) / 60.0 as call_minutes,
        count(*) filter (where events.is_booked) as meetings_booked,
        count(*) filter (where events.is_held) as meetings_held,
        count(*) filter (where events.is_first) as first_appointments,
        count(*) filter (where events.is_email_sent) as emails_sent,
        count(*) filter (where events.is_task_done) as tasks_completed,
        count(*) filter (where events.is_executive_held) as executive_meetings_held
    from events
    cross join slot_dates
    group by 1, 2
),

final as (
    select
        rep_days.activity_date,
        rep_keys.rep_id,
        reps.name as rep_name,
        rep_days.calls,
        rep_days.connected_calls,
        cast(rep_days.call_minutes as double) as call_minutes,
        rep_days.meetings_booked,
        rep_days.meetings_held,
        rep_days.first_appointments,
        rep_days.connected_calls / nullif(rep_days.calls, 0) as connect_rate,
        rep_days.meetings_booked / nullif(rep_days.connected_calls, 0) as appointment_rate,
        rep_days.emails_sent,
        rep_days.tasks_completed,
        rep_days.executive_meetings_held,
        settings.as_of
    from rep_days
    inner join rep_keys on rep_keys.rep_key = rep_days.rep_key
    cross join settings
    left join core.reps as reps on reps.rep_id = rep_keys.rep_id
)

select * from final
