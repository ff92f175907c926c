-- Every figure as it stood at $as_of (UTC): the latest revision recorded by then.
with revisions_then as (
    select r.*
    from figure_revisions as r
    join batches as b on b.id = r.batch_id
    where b.created_at <= $as_of
),

latest as (
    select
        *,
        row_number() over (
            partition by month, measure_id, category order by batch_id desc
        ) as revision_rank
    from revisions_then
),

final as (
    select month, measure_id as measure, category, value, note
    from latest
    where revision_rank = 1 and value is not null
)

select * from final
order by month, measure, category
