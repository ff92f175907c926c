-- Every approval and reopening, newest first.
select id, month, status, changed_at, changed_by, reason, batch_id
from month_status
order by id desc
