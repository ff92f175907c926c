-- The figures one batch ($batch) wrote, each with the value it replaced (null: there was none,
-- or it was retracted), in export order; $limit rows from $offset.
with own as (
    select month, measure_id, category, value, note
    from figure_revisions
    where batch_id = $batch
),

final as (
    select
        o.month,
        o.measure_id as measure,
        o.category,
        (
            select p.value
            from figure_revisions as p
            where p.month = o.month
              and p.measure_id = o.measure_id
              and p.category = o.category
              and p.batch_id < $batch
            order by p.batch_id desc
            limit 1
        ) as old_value,
        o.value,
        o.note
    from own as o
)

select * from final
order by month, measure, category
limit $limit offset $offset
