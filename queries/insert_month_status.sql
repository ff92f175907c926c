-- One status row for a month: an approval, a reopening, or back to kladde after a change. The
-- id is one more than the highest (made here, not by a sequence: the shared store has none).
insert into month_status (id, month, status, changed_at, changed_by, reason, batch_id)
select coalesce(max(id), 0) + 1, $month, $status, $changed_at, $changed_by, $reason, $batch_id
from month_status
