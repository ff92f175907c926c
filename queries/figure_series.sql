-- Current figures as monthly series with the change from the month before.
-- $initiative (or null for all), $key_only and $month (or null for all months) narrow it;
-- $max_note is the longest note a page shows (rules.MAX_NOTE_CHARS);
-- change is null across a gap.
with figures as (
    select
        f.month,
        f.measure_id as measure,
        m.initiative_id as initiative,
        f.category,
        f.value,
        -- a page shows a note as the figure's source: never more than the 1,000 characters a
        -- note may have (DOMAIN.md), even for a note stored before that limit was checked
        left(f.note, $max_note) as note,
        f.recorded_at,
        f.recorded_by,
        f.is_demo
    from current_figures as f
    join measures as m on m.id = f.measure_id
    where ($initiative is null or m.initiative_id = $initiative)
      and (not $key_only or m.is_key)
),

with_previous as (
    select
        *,
        lag(month) over by_series as previous_month,
        lag(value) over by_series as previous_value
    from figures
    window by_series as (partition by measure, category order by month)
),

final as (
    select
        month,
        measure,
        initiative,
        category,
        value,
        -- a month without a figure is a gap, so there is no change to report across it
        case
            when previous_month + interval 1 month = month then value - previous_value
        end as change,
        note,
        recorded_at,
        recorded_by,
        is_demo
    from with_previous
)

select * from final
where $month is null or month = $month
order by measure, category, month
