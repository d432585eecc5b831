-- The roster (its JSON Lines text, checked by the application's parser) and its audit trail,
-- shared by every instance. A change locks the one roster row, so changes from any instance
-- serialize; the audit rows commit with it.
CREATE TABLE roster (
  id smallint PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL,
  content text NOT NULL
);

CREATE TABLE roster_audit (
  id bigserial PRIMARY KEY,
  entry jsonb NOT NULL
);
