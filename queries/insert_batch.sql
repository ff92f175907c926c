-- One audit row per write; its id (queries/next_batch_id.sql) ties the revisions to it.
insert into batches (
    id, created_at, user_name, action, file_name, file_sha256,
    n_new, n_changed, n_unchanged, n_retracted, warnings, note, is_demo
)
values (
    $id, $created_at, $user_name, $action, $file_name, $file_sha256,
    $n_new, $n_changed, $n_unchanged, $n_retracted, $warnings, $note, $is_demo
)
