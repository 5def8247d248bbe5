-- Uploaded photos and documents. The files themselves live outside the site (a folder of
-- the data directory for `preau serve`, R2 on Cloudflare), stored once per content under
-- the hash; a row says who put which content into which scope.

CREATE TABLE uploads (
  id INTEGER PRIMARY KEY,
  -- 'ville' (the town's public media), a school id, or 'school/class'.
  scope TEXT NOT NULL,
  -- 16 hex digits of the SHA-256 of the stored (cleaned) file.
  hash TEXT NOT NULL,
  -- jpg, png, webp, gif, pdf: detected from the content, never from the name.
  kind TEXT NOT NULL,
  width INTEGER,
  height INTEGER,
  -- Bytes stored for this content, smaller versions included.
  bytes INTEGER NOT NULL,
  -- The name the file had on the uploader's device, cleaned (never used as a path).
  original_name TEXT NOT NULL,
  uploader_id INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  UNIQUE (scope, hash)
);
CREATE INDEX uploads_scope_created ON uploads(scope, created_at);
CREATE INDEX uploads_uploader_created ON uploads(uploader_id, created_at);
CREATE INDEX uploads_hash ON uploads(hash);

-- What each account uploaded, kept when files are deleted, so that deleting a file does not
-- give back the day's quota. Rows older than two days are purged daily.
CREATE TABLE upload_log (
  account_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE INDEX upload_log_account_at ON upload_log(account_id, at);
