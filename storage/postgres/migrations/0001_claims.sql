-- Claims: the document as jsonb plus the columns the service's queries read, each indexed.
-- Times the service orders by are stored as it writes them (ISO text, epoch ms): the database's
-- own clock is never consulted.

CREATE TABLE claim_counters (
  year integer PRIMARY KEY,
  last_number bigint NOT NULL
);

CREATE TABLE claims (
  id text PRIMARY KEY,
  -- Bumped by every write; an update whose read revision is no longer current is refused.
  revision bigint NOT NULL,
  version integer NOT NULL,
  partner_tenant_id text NOT NULL,
  customer_tenant_id text,
  status text NOT NULL,
  consent_phase text,
  status_since text NOT NULL,
  created_at text NOT NULL,
  record_keys text[] NOT NULL,
  active boolean NOT NULL,
  next_due_at bigint,
  oldest_pending_at bigint,
  pending_alerts integer NOT NULL,
  claim jsonb NOT NULL
);

CREATE INDEX claims_by_organisation ON claims (partner_tenant_id);
CREATE INDEX claims_by_customer ON claims (lower(customer_tenant_id)) WHERE customer_tenant_id IS NOT NULL;
CREATE INDEX claims_by_status ON claims (status);
CREATE INDEX claims_active_record_keys ON claims USING gin (record_keys) WHERE active;
CREATE INDEX claims_next_due ON claims (next_due_at, id) WHERE next_due_at IS NOT NULL;
CREATE INDEX claims_pending_alerts ON claims (oldest_pending_at, id) WHERE oldest_pending_at IS NOT NULL;

-- A claim's outbox, one row per alert in the claim's order; written in the claim's transaction.
CREATE TABLE claim_alerts (
  claim_id text NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
  position integer NOT NULL,
  id text NOT NULL,
  state text NOT NULL,
  created_at text NOT NULL,
  alert jsonb NOT NULL,
  PRIMARY KEY (claim_id, position)
);

CREATE INDEX claim_alerts_pending ON claim_alerts (created_at) WHERE state = 'pending';
