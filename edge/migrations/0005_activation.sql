-- Activation codes of the invitation letters (`preau roster letters`): one row per
-- account, replaced when a new letter is printed, so that reprinting invalidates the
-- previous code. Only a SHA-256 of the code is stored (the code itself is on paper only);
-- a code is high-entropy (12 symbols of 31, about 59 bits) and expires, so a hash without
-- a key is enough and lets the command line prepare codes for D1 without the Worker's
-- secret. A row stays after use: it tells the next `letters` run that this account got
-- its letter.

CREATE TABLE activation_codes (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);

-- Single use, even when two requests carry the same code at once: the second one's batch
-- fails here and nothing of it is applied.
CREATE TRIGGER activation_codes_single_use BEFORE UPDATE OF used_at ON activation_codes
WHEN old.used_at IS NOT NULL AND new.used_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'activation code already used'); END;
