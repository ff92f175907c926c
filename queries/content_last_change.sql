-- The batch that last changed each event and target (retractions too), who saved it and when:
-- a form remembers it, and a save stops if someone else has changed the row since.
with last as (
    select 'event' as kind, event_id as id, max(batch_id) as batch_id
    from event_revisions
    group by event_id
    union all
    select 'target' as kind, target_id as id, max(batch_id) as batch_id
    from target_revisions
    group by target_id
)

select last.kind, last.id, last.batch_id, b.user_name, b.created_at
from last
join batches as b on b.id = last.batch_id
order by last.kind, last.id
