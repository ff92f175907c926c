-- One status row for a month: an approval, a reopening, or back to kladde after a change.
insert into month_status (month, status, changed_at, changed_by, reason, batch_id)
values ($month, $status, $changed_at, $changed_by, $reason, $batch_id)
