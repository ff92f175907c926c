-- The next batch's id: one more than the highest (made in the write path, inside the writer's
-- transaction, so that both stores make it the same way; the shared store has no sequences).
select coalesce(max(id), 0) + 1 as id from batches
