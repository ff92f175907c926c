-- Give a subject a role (a new user, or a new role for one that exists).
insert into users (subject, role, added_at, added_by)
values ($subject, $role, $added_at, $added_by)
on conflict (subject) do update set
    role = excluded.role, added_at = excluded.added_at, added_by = excluded.added_by
