-- Blobs by name: PoE files, consent mails of a local run, the link signing secret. Shared by
-- every instance, so a file taken in by one is served by any other.
CREATE TABLE blobs (
  name text PRIMARY KEY,
  size integer NOT NULL,
  bytes bytea NOT NULL
);
