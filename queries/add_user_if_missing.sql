-- Add a user unless the subject has a role already (init --demo's demo users keep a changed role).
insert into users (subject, role, added_at, added_by)
values ($subject, $role, $added_at, $added_by)
on conflict (subject) do nothing
