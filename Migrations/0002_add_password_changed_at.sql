-- 0002_add_password_changed_at: when a user's password was last set (SPEC §1 `POST /api/user/password`, §14
-- `user password`). A sign-in lock-out that began before it no longer applies, so the CLI, a separate process, can
-- clear the server's in-memory lock-outs. NULL until the first change.
ALTER TABLE users ADD COLUMN password_changed_at INTEGER;
