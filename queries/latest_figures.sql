-- Each initiative's figures in the latest month it has any, with labels, in catalog order.
with latest_month as (
    select m.initiative_id, max(f.month) as month
    from current_figures as f
    join measures as m on m.id = f.measure_id
    group by m.initiative_id
),

final as (
    select
        m.initiative_id as initiative,
        f.month,
        f.measure_id as measure,
        m.label_da,
        m.label_en,
        m.kind,
        f.category,
        coalesce(c.label_da, '') as category_label_da,
        coalesce(c.label_en, '') as category_label_en,
        f.value,
        f.is_demo,
        m.sort_order as measure_order,
        coalesce(c.sort_order, -1) as category_order
    from current_figures as f
    join measures as m on m.id = f.measure_id
    join latest_month as l on l.initiative_id = m.initiative_id and l.month = f.month
    left join measure_categories as c on c.measure_id = f.measure_id and c.category = f.category
)

select * from final
order by measure_order, category_order
