-- The month's text of the monthly note, one row per month and heading, as it stood at $as_of
-- (UTC; null: now): the latest revision recorded by then, unless it removed the text.
with ranked as (
    select
        r.*,
        b.created_at as recorded_at,
        b.user_name as recorded_by,
        row_number() over (
            partition by r.month, r.section order by r.batch_id desc
        ) as revision_rank
    from month_text_revisions as r
    join batches as b on b.id = r.batch_id
    where cast($as_of as timestamp) is null or b.created_at <= cast($as_of as timestamp)
)

select month, section, body, batch_id, recorded_at, recorded_by
from ranked
where revision_rank = 1 and not removed
order by month, section
