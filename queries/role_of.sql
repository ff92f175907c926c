-- The role of one subject, if it has one.
select role from users where subject = $subject
