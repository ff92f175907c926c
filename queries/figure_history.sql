-- Every revision of one figure, newest first; a null value is a retraction.
select
    b.created_at as recorded_at,
    b.user_name as recorded_by,
    b.action,
    b.id as batch_id,
    r.value,
    r.note,
    b.note as batch_note
from figure_revisions as r
join batches as b on b.id = r.batch_id
where r.month = $month and r.measure_id = $measure and r.category = $category
order by b.id desc
