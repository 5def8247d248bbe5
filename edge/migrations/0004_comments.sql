-- Comments of families and staff on class posts, with their moderation. A comment belongs
-- to its post's path: it stays in the table when the post disappears from the site, and
-- shows again if the post comes back.

CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  -- The post's path, as in the manifest (`/ecoles/a/classes/ce1/sortie/`).
  page TEXT NOT NULL,
  -- 'school/class' of the post: who moderates it.
  scope TEXT NOT NULL,
  author_id INTEGER NOT NULL REFERENCES accounts(id),
  -- A teacher's answer points to the comment it answers (one level).
  parent_id INTEGER,
  -- Normalised plain text (NFC, no bidi overrides or invisible characters), 1-2000 chars.
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  -- Reported by a member: hidden from other families until a moderator decides again.
  reported INTEGER NOT NULL DEFAULT 0,
  -- Optional reason of a refusal, shown to the author.
  reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  moderated_by INTEGER REFERENCES accounts(id),
  moderated_at INTEGER
);
CREATE INDEX comments_page ON comments(page, created_at);
CREATE INDEX comments_scope_status ON comments(scope, status, created_at);
CREATE INDEX comments_author_created ON comments(author_id, created_at);
