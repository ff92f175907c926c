-- Add a user unless the subject has a role already (init --demo's demo users keep a changed role).
insert into users (subject, role, added_at, added_by)
select $subject, $role, $added_at, $added_by
where not exists (select 1 from users where subject = $subject)
