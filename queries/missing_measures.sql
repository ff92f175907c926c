-- Measures with no figure in the latest month, among those whose initiative had started.
with latest as (
    select max(month) as month from current_figures
),

reported as (
    select distinct measure_id
    from current_figures
    where month = (select month from latest)
),

final as (
    select m.id as measure, m.initiative_id as initiative, m.sort_order
    from measures as m
    join initiatives as i on i.id = m.initiative_id
    where m.id not in (select measure_id from reported)
      and (i.started is null or i.started <= (select month from latest))
)

select measure, initiative from final order by sort_order
