-- The online editor's posts: who wrote each post written online, and where it stands
-- (draft, submitted for validation, published). The text itself lives in the content's Git
-- repository (`preau serve` commits it, with `draft = true` until it is published); this
-- table says whose draft it is (a draft is shown to nobody else), which proposals wait for
-- a teacher, and why one was refused. On Cloudflare, where the Worker commits through the
-- forge's HTTP API, `pending_text` will keep a text the forge has not accepted yet, so
-- that nothing is lost while it is unreachable.

CREATE TABLE editor_posts (
  -- Path of the Markdown file inside the content folder
  -- (`ecoles/ecole-a/classes/ce1/2026-10-03-sortie.md`), chosen by the server.
  path TEXT PRIMARY KEY,
  -- The blog it belongs to (`classe:ecole-a/ce1`, `ecole:ecole-a`, `periscolaire:ecole-a`,
  -- `guides`, `ville`): who may see, validate and edit it.
  place TEXT NOT NULL,
  title TEXT NOT NULL,
  author_id INTEGER NOT NULL REFERENCES accounts(id),
  author_name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'published')),
  -- Version (content hash) of the file as last written, and the commit that wrote it.
  version TEXT,
  commit_id TEXT,
  -- Why a teacher refused a proposal (shown to its author).
  note TEXT,
  pending_text TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX editor_posts_place ON editor_posts(place, state, updated_at);
CREATE INDEX editor_posts_author ON editor_posts(author_id, updated_at);
