-- The online editor on Cloudflare: the Worker commits through the forge's HTTP API, which
-- may be unreachable. A save the forge did not take is kept in its row (`pending_text`, the
-- whole file as it would be committed, from migration 0006) with what is needed to send it
-- again as the same commit: the version it started from, the message and the account that
-- saved it. The Worker sends kept saves again on the next visit of the editor and from its
-- daily cron; a kept save is cleared when the forge has taken it. `state` already says what
-- the save makes of the post (draft, submitted, published).

-- The forge's version (blob sha) the kept save replaces; NULL for a new file.
ALTER TABLE editor_posts ADD COLUMN pending_base TEXT;
-- The commit message, and the author of the commit (login and display name).
ALTER TABLE editor_posts ADD COLUMN pending_message TEXT;
ALTER TABLE editor_posts ADD COLUMN pending_login TEXT;
ALTER TABLE editor_posts ADD COLUMN pending_name TEXT;
-- Why the last attempt failed (for the IT team), and `conflict` when the file changed in
-- the repository meanwhile: then it is not sent again and its author is told.
ALTER TABLE editor_posts ADD COLUMN pending_error TEXT;
ALTER TABLE editor_posts ADD COLUMN pending_tries INTEGER NOT NULL DEFAULT 0;
CREATE INDEX editor_posts_pending ON editor_posts(updated_at) WHERE pending_text IS NOT NULL;
