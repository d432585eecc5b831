import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { CHECKER_VERSION } from '../../poe/precheck/checker.js';
import { ClaimService } from '../../services/claimService.js';
import { systemClock } from '../../services/clock.js';
import { ClaimDocumentSchema, type ClaimDocument } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { factsDigest, factsText, precheckFactsOf } from '../../services/precheckFacts.js';
import { summaryOf } from '../../storage/claimSummary.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { precheckPoe, sentLongAgo } from './seedClaims.js';
import { claimAt, createHarness, CUSTOMER_TENANT, m365Details, PARTNER_TENANT, reviewer, type Stage } from '../../test/support/serviceHarness.js';

// Claims for the PostgreSQL scale rows, written straight in SQL: through the files engine and the
// copy script a million claims would take hours. One claim per status is taken there by the claim
// service itself (real clock, so deadlines, timers, history and alerts are what the service
// writes) and inserted through the repository (which validates it and derives its columns); the
// rest are copies made by the database from those rows, `INSERT ... SELECT ... FROM
// generate_series`, with what is unique or indexed rewritten per copy:
// - the id (everywhere in the document and its alerts, as text: ids are in alert ids and keys),
// - the customer tenant (unique per claim, so record keys do not collide) and the partner tenant
//   (one of 1,000 organisations), in the document, the columns and the record keys,
// - every timer shifted k seconds later (document and next_due_at together, so the repository's
//   index and the documents agree), all still in the future: nothing is due;
// - alert ids (uuids): the last 12 digits are k's, so every alert keeps its own;
// - the digest of the facts each PoE report was made on (the customer tenant is one of them);
// their PoE files are pre-checked, so the product's sweep has nothing to read (as the files
// engine's seed), their alerts are all sent (no delivery backlog) and the id counter says n.

/** The statuses copies cycle through; claim k (from 1) is a copy of template (k - 1) % 5. */
export const SEED_STAGES: readonly Stage[] = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Approved'];
/** Partner organisations the claims are spread over. */
const ORGANISATIONS = 1000;
/** Copies per INSERT statement: one statement per batch keeps each transaction's memory bounded. */
const BATCH = 50_000;

export interface SeededPostgresClaims {
  n: number;
  /** The claims' year, for ids: CPOR-<year>-<k padded to 6>. */
  year: number;
  /** Version of each template, by stage (an `approve` needs the InReview one). */
  versions: Record<string, number>;
  /** Earliest timer of any claim, epoch ms: a tick before it finds nothing due. */
  earliestDueAt: number;
  fillMs: number;
}

export function seededId(year: number, sequence: number): string {
  return `CPOR-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Claim k (from 1) of a seeded database is in this stage. */
export function seededStage(sequence: number): Stage {
  return SEED_STAGES[(sequence - 1) % SEED_STAGES.length]!;
}

/** Fills an empty database with n claims (n ≥ 5); the pool needs a statement timeout of minutes. */
export async function seedPostgresClaims(pool: pg.Pool, n: number, progress?: (message: string) => void): Promise<SeededPostgresClaims> {
  const started = performance.now();
  const templates = await serviceTemplates();
  const year = Number(templates[0]!.claim.id.split('-')[1]);
  const repository = new PostgresClaimRepository({ pool, clock: systemClock });
  await repository.open();
  for (const template of templates) await repository.insert(template);
  const versions = Object.fromEntries(templates.map((template, index) => [SEED_STAGES[index]!, template.claim.version]));

  // Every column the claims table has now (a later migration may add some): copied from the
  // template row unless rewritten here.
  const { rows: columnRows } = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'claims' ORDER BY ordinal_position`,
  );
  const rewritten: Record<string, string> = {
    id: 'c.id',
    revision: '1',
    partner_tenant_id: 'c.partner',
    customer_tenant_id: 'c.customer',
    record_keys: 'array(SELECT replace(key, lower(t.customer_tenant_id), c.customer) FROM unnest(t.record_keys) AS key)',
    next_due_at: 't.next_due_at + c.shift_ms',
    search_text: 'replace(replace(t.search_text, lower(c.template_id), lower(c.id)), lower(t.customer_tenant_id), c.customer)',
    claim: `jsonb_set(d.document, '{timers}', coalesce((
        SELECT jsonb_agg(jsonb_set(timer, '{dueAt}', to_jsonb(to_char(((timer ->> 'dueAt')::timestamptz + c.shift_ms * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY position)
        FROM jsonb_array_elements(d.document -> 'timers') WITH ORDINALITY AS timers(timer, position)), '[]'::jsonb))`,
  };
  // Each template's facts as its PoE reports were made on them, and their digest (none without a report).
  const { maxDateAgeMonths } = createPolicy({}).poe;
  const precheckFacts = `VALUES ${templates
    .map(({ claim }) => {
      if (!claim.poe.some((file) => file.precheck)) return `(${quote(claim.id)}, NULL, NULL)`;
      const facts = precheckFactsOf(claim, maxDateAgeMonths);
      return `(${quote(claim.id)}, ${quote(factsDigest(facts))}, ${quote(factsText(facts))})`;
    })
    .join(', ')}`;
  const columns = columnRows.map((row) => row.column_name);
  const select = columns.map((column) => rewritten[column] ?? `t.${column}`).join(', ');
  const copy = (table: 'claims' | 'claim_alerts', from: number, to: number) => {
    // c: one row per copy k, with the template it copies (by sequence), its id, tenants and shift.
    const copies = `SELECT k, ${quote(`CPOR-${year}-`)} || lpad(k::text, greatest(6, length(k::text)), '0') AS id,
        ${quote('d4c3b2a1-9f8e-4d7c-b6a5-')} || lpad(k::text, 12, '0') AS customer,
        ${quote('6f1d2c3b-4a5e-4f60-8a7b-')} || lpad((k % ${ORGANISATIONS})::text, 12, '0') AS partner,
        k * 1000::bigint AS shift_ms,
        ${quote(`CPOR-${year}-`)} || lpad((((k - 1) % ${templates.length}) + 1)::text, 6, '0') AS template_id
      FROM generate_series(${from}, ${to}) AS k`;
    // The template's own id and tenants (t: its claims row), replaced as text wherever they appear.
    const rewrite = (value: string) =>
      `replace(replace(replace(${value}::text, c.template_id, c.id), t.customer_tenant_id, c.customer), ${quote(PARTNER_TENANT)}, c.partner)`;
    if (table === 'claims') {
      // The copy's digest: the template's facts with the copy's customer tenant (lower case in them).
      const copyDigest = `encode(sha256(convert_to(replace(f.facts, lower(t.customer_tenant_id), c.customer), 'UTF8')), 'hex')`;
      return `INSERT INTO claims (${columns.join(', ')})
        SELECT ${select} FROM (${copies}) AS c JOIN claims t ON t.id = c.template_id JOIN (${precheckFacts}) AS f(template_id, digest, facts) ON f.template_id = c.template_id,
          LATERAL (SELECT ${rewrite('t.claim')} AS text) AS r,
          LATERAL (SELECT (CASE WHEN f.digest IS NULL THEN r.text ELSE replace(r.text, f.digest, ${copyDigest}) END)::jsonb AS document) AS d`;
    }
    return `INSERT INTO claim_alerts (claim_id, position, id, state, created_at, alert)
      SELECT c.id, a.position, n.id, a.state, a.created_at, replace(${rewrite('a.alert')}, a.id, n.id)::jsonb
      FROM (${copies}) AS c JOIN claims t ON t.id = c.template_id JOIN claim_alerts a ON a.claim_id = c.template_id,
        LATERAL (SELECT left(a.id, 24) || lpad(to_hex(c.k), 12, '0') AS id) AS n`;
  };

  for (let from = templates.length + 1; from <= n; from += BATCH) {
    const to = Math.min(n, from + BATCH - 1);
    await pool.query(copy('claims', from, to));
    await pool.query(copy('claim_alerts', from, to));
    progress?.(`postgres fill: ${to.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} claims (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await pool.query('UPDATE claim_counters SET last_number = $2 WHERE year = $1', [year, n]);
  // Fresh statistics, as a database that has been running would have: the planner needs them.
  await pool.query('VACUUM ANALYZE claims');
  await pool.query('VACUUM ANALYZE claim_alerts');
  const { rows } = await pool.query<{ earliest: string }>('SELECT min(next_due_at) AS earliest FROM claims');
  return { n, year, versions, earliestDueAt: Number(rows[0]!.earliest), fillMs: performance.now() - started };
}

/** One claim in each of SEED_STAGES, made by the claim service, its PoE pre-checked and its alerts marked sent. */
async function serviceTemplates(): Promise<ClaimDocument[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-templates-'));
  try {
    const harness = await createHarness({ dataDir, start: new Date() });
    const documents: ClaimDocument[] = [];
    for (const [index, stage] of SEED_STAGES.entries()) {
      // Each its own customer: the service refuses a second active claim on the same workloads.
      const claim = await claimAt(harness, stage, m365Details({ customerTenantId: `${CUSTOMER_TENANT.slice(0, 24)}${String(index).padStart(12, '0')}` }));
      await precheckPoe(harness, claim.id);
      const stored = (await harness.repository.get(claim.id))!;
      documents.push({ ...stored, outbox: stored.outbox.map(sentLongAgo) });
    }
    await harness.repository.close();
    const ids = documents.map((document) => document.claim.id).join(', ');
    if (ids !== SEED_STAGES.map((_, index) => seededId(new Date().getUTCFullYear(), index + 1)).join(', ')) {
      throw new Error(`the service numbered the templates ${ids}`);
    }
    return documents;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Reads `samples` random claims back as the product does (the repository, then the service as a
 * reviewer) and checks each against the schema and its stored columns; also that no alert is
 * pending, no timer due and no PoE file left for the pre-check sweep. Throws at the first
 * difference: a wrong copy is never measured.
 */
export async function verifySeeded(pool: pg.Pool, seeded: SeededPostgresClaims, samples = 50): Promise<void> {
  const repository = new PostgresClaimRepository({ pool, clock: systemClock, migrate: false });
  const service = new ClaimService({ repository, policy: createPolicy({}), clock: systemClock });
  if ((await repository.count()) !== seeded.n) throw new Error(`seeded ${seeded.n} claims, found ${await repository.count()}`);
  const picks = [1, seeded.n, ...Array.from({ length: samples }, () => 1 + Math.floor(Math.random() * seeded.n))];
  for (const sequence of picks) {
    const id = seededId(seeded.year, sequence);
    const document = await repository.get(id);
    if (!document) throw new Error(`${id} is missing`);
    const parsed = ClaimDocumentSchema.safeParse(document);
    if (!parsed.success) throw new Error(`${id} does not parse: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    const expected = summaryOf(parsed.data);
    const stored = await repository.summary(id);
    if (!isDeepStrictEqual(stored, expected))
      throw new Error(`${id}: stored columns ${JSON.stringify(stored)} differ from its document's ${JSON.stringify(expected)}`);
    if (parsed.data.claim.status !== seededStage(sequence)) throw new Error(`${id} is ${parsed.data.claim.status}, expected ${seededStage(sequence)}`);
    if (parsed.data.outbox.some((alert) => alert.state !== 'sent' || alert.claimId !== id)) throw new Error(`${id} has an alert not its own or not sent`);
    const seen = await service.get(reviewer(), id);
    if (seen.id !== id || seen.version !== seeded.versions[seededStage(sequence)]) throw new Error(`the service read ${id} as ${seen.id} v${seen.version}`);
  }
  const { rows: shared } = await pool.query<{ id: string }>(
    'SELECT id FROM claim_alerts WHERE id IN (SELECT id FROM claim_alerts WHERE claim_id = ANY($1)) GROUP BY id HAVING count(*) > 1 LIMIT 1',
    [picks.map((sequence) => seededId(seeded.year, sequence))],
  );
  if (shared[0]) throw new Error(`alert ${shared[0].id} is in more than one claim`);
  if ((await repository.idsWithPendingAlerts(1)).length > 0) throw new Error('a seeded claim has a pending alert');
  const unchecked = await service.precheckCandidates(CHECKER_VERSION);
  if (unchecked.length > 0) throw new Error(`${unchecked.length} seeded claims have PoE files for the pre-check sweep (${unchecked[0]})`);
  const next = await repository.nextDue();
  if (!next || next.dueAt <= Date.now()) throw new Error(`a seeded timer is due already (${next?.claimId})`);
}
