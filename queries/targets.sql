-- Targets per measure, for goal lines and progress on the overview, as they stood at $as_of
-- (UTC; null: now). A demo target's label says DEMO whatever it was edited to.
with ranked as (
    select
        r.*,
        row_number() over (partition by r.target_id order by r.batch_id desc) as revision_rank
    from target_revisions as r
    join batches as b on b.id = r.batch_id
    where cast($as_of as timestamp) is null or b.created_at <= cast($as_of as timestamp)
)

select
    measure_id as measure,
    category,
    target_month,
    from_month,
    value,
    case
        when is_demo and label_da not like 'DEMO%' then 'DEMO-mål: ' || label_da
        else label_da
    end as label_da,
    case
        when is_demo and label_en not like 'DEMO%' then 'DEMO target: ' || label_en
        else label_en
    end as label_en,
    source
from ranked
where revision_rank = 1 and not removed
order by measure_id, category, target_month
