-- Append the batch's revisions from the registered `incoming` frame; nothing is updated in place.
insert into figure_revisions (batch_id, month, measure_id, category, value, note)
select $batch_id, month, measure, category, value, note
from incoming
