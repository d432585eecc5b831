-- Leases: which instance works on a claim's due timers, and which on its pending alerts, until
-- when (epoch ms of the application's clock, never the database's). Taken with
-- FOR NO KEY UPDATE SKIP LOCKED, so instances asking at once get disjoint claims.
ALTER TABLE claims
  ADD COLUMN timer_lease_owner text,
  ADD COLUMN timer_lease_until bigint,
  ADD COLUMN alert_lease_owner text,
  ADD COLUMN alert_lease_until bigint;

-- Teams' send limits counted across instances: one row per request to a conversation (or to the
-- bot's global key), granted and completed on the application's clock; pruned once it has left
-- the longest window. Writers of one key serialize under pg_advisory_xact_lock(hashtext(key)).
CREATE TABLE send_slots (
  id bigserial PRIMARY KEY,
  key text NOT NULL,
  granted_at bigint NOT NULL,
  completed_at bigint
);

CREATE INDEX send_slots_by_key ON send_slots (key, completed_at);
