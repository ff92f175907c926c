-- One audit row per write; its id ties the revisions to it.
insert into batches (
    created_at, user_name, action, file_name, file_sha256,
    n_new, n_changed, n_unchanged, n_retracted, warnings, note, is_demo
)
values (
    $created_at, $user_name, $action, $file_name, $file_sha256,
    $n_new, $n_changed, $n_unchanged, $n_retracted, $warnings, $note, $is_demo
)
returning id
