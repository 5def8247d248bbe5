-- People imported from the school roster (ONDE exports). Only what the ENT uses is kept:
-- names, the class (as memberships), the photo permission, guardians' links to their
-- children and an e-mail for notifications. Never addresses, phone numbers, INE or birth
-- dates: a pupil is recognised on the next import by `person_key`, a SHA-256 of the
-- normalised birth name, first name and birth date.

CREATE TABLE roster_people (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  -- 'pupil', 'guardian' or 'teacher' (directors are teachers with the director role).
  kind TEXT NOT NULL,
  person_key TEXT,
  last_name TEXT NOT NULL,
  usage_name TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL,
  email TEXT,
  -- Pupils only: 1 when the family allows photos, 0 otherwise.
  photo_allowed INTEGER,
  -- The ONDE class label the pupil or teacher was last imported with.
  onde_class TEXT,
  -- Set when the person left the roster: the account is disabled at once and deleted by
  -- the daily purge once `delete_after` has passed (three months, ENT decree of 2006).
  disabled_at INTEGER,
  delete_after INTEGER
);
CREATE UNIQUE INDEX roster_people_key ON roster_people(person_key) WHERE person_key IS NOT NULL;
CREATE INDEX roster_people_delete_after ON roster_people(delete_after) WHERE delete_after IS NOT NULL;

-- A legal guardian and one of their children (both accounts).
CREATE TABLE guardianships (
  guardian_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  pupil_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  PRIMARY KEY (guardian_id, pupil_id)
);
CREATE INDEX guardianships_pupil ON guardianships(pupil_id);
