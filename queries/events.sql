-- Events for the time axis, oldest first, as they stood at $as_of (UTC; null: now): the latest
-- revision of each event recorded by then, unless it retracts the event.
with ranked as (
    select
        r.*,
        b.created_at as recorded_at,
        b.user_name as recorded_by,
        row_number() over (partition by r.event_id order by r.batch_id desc) as revision_rank
    from event_revisions as r
    join batches as b on b.id = r.batch_id
    where cast($as_of as timestamp) is null or b.created_at <= cast($as_of as timestamp)
)

select
    event_id as id,
    event_date,
    date_text_da,
    date_text_en,
    initiative_id as initiative,
    title_da,
    title_en,
    text_da,
    text_en
from ranked
where revision_rank = 1 and not removed
order by event_date, id
