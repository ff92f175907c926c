-- Give a subject a role (a new user, or a new role for one that exists). MERGE, not ON CONFLICT:
-- the shared store has no primary keys.
merge into users
using (
    select
        $subject::varchar as subject,
        $role::varchar as role,
        $added_at::timestamp as added_at,
        $added_by::varchar as added_by
) as given
on users.subject = given.subject
when matched then update set
    role = given.role, added_at = given.added_at, added_by = given.added_by
when not matched then insert (subject, role, added_at, added_by)
values (given.subject, given.role, given.added_at, given.added_by)
