import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import type {
  AlertLeaseScope,
  ClaimPage,
  ClaimScope,
  ClaimRepository,
  ClaimSearch,
  ClaimSummary,
  PendingAlerts,
  DocumentMutation,
  DueTimer,
  LeaseKind,
  LeaseTerms,
  MutationReads,
} from '../../services/claimRepository.js';
import { chunksOf } from '../../services/chunks.js';
import type { Clock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';
import type { Alert, ClaimDocument, Status } from '../../services/model.js';
import { deepFreeze } from '../../services/store/deepFreeze.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';
import { checkForStorage } from '../checkedDocument.js';
import { oldestPendingAt, searchTextOf, summaryOf } from '../claimSummary.js';
import { migrate } from './migrate.js';
import { prepared, translate } from './pool.js';
import { ReadBatch } from './readBatch.js';
import { ClaimWriteBatch, COLUMNS } from './claimWriteBatch.js';
import { inTransaction, withLazyTransaction, type LazyTransaction } from './transaction.js';

// The PostgreSQL engine of the claim repository. Several instances share one database: an update
// reads the claim, runs the mutation and writes claim and alerts in one statement whose UPDATE
// carries the revision it read, so a change committed meanwhile (by any instance) makes the
// database refuse it and the mutation runs again on the new state, where the service's own
// version check answers `stale-version`. A mutation that queries through its reads (the duplicate
// check's lock) opens a transaction on the update's connection that the write then joins. Nothing
// here relies on a process-local lock. Reads, and writes outside a transaction, go with the others
// of the same moment, one statement each (readBatch.ts, claimWriteBatch.ts): an update outside a
// transaction holds no connection of its own.

/** How often an update is tried when other writers keep winning. */
const MAX_ATTEMPTS = 50;

/**
 * Claims whose last document read or written here an update starts from (about 18 kB of heap
 * each): delivery reads a claim to lease its alerts, then records each one's outcome.
 */
const RECENT_DOCUMENTS = 256;

interface ClaimRow {
  id: string;
  claim: ClaimDocument['claim'];
  outbox: Alert[];
  revision: string;
}

interface StoredClaim {
  document: ClaimDocument;
  revision: string;
}

interface SummaryRow {
  id: string;
  partner_tenant_id: string;
  customer_tenant_id: string | null;
  status: Status;
  consent_phase: ClaimSummary['consentPhase'] | null;
  status_since: string;
  created_at: string;
  record_keys: string[];
  active: boolean;
  next_due_at: string | null;
  pending_alerts: number;
  pending_mark: string | null;
  precheck_mark: string | null;
}

const SUMMARY_COLUMNS =
  'id, partner_tenant_id, customer_tenant_id, status, consent_phase, status_since, created_at, record_keys, active, next_due_at, pending_alerts, pending_mark, precheck_mark';
/** Claims' documents by id. Named: every read and change runs it, and each connection plans it once. */
const documentsSelect = (ids: string[]): pg.QueryConfig<[string[]]> => ({
  name: 'claims-documents',
  text: `SELECT c.id, c.claim, c.revision,
    coalesce((SELECT jsonb_agg(a.alert ORDER BY a.position) FROM claim_alerts a WHERE a.claim_id = c.id), '[]'::jsonb) AS outbox
    FROM claims c WHERE c.id = ANY($1)`,
  values: [ids],
});

/**
 * The most claims one renewal or release statement changes. A statement keeps its rows locked
 * until it ends, and one delivery renews every claim it holds (thousands, under a backlog): a
 * claim's write that meets the lock waits for one chunk, not for all of them.
 */
const LEASE_CHUNK = 500;

/** The most claims one read of pending alerts names, so that a backlog's check is read in parts the loop can interleave. */
const PENDING_CHUNK = 2000;

/** The columns of each lease; names from this constant only, never from input. */
const LEASE_COLUMNS: Record<LeaseKind, { owner: string; until: string }> = {
  timers: { owner: 'timer_lease_owner', until: 'timer_lease_until' },
  alerts: { owner: 'alert_lease_owner', until: 'alert_lease_until' },
};

export interface PostgresClaimRepositoryOptions {
  pool: pg.Pool;
  clock: Clock;
  /** Applies pending migrations in open() (default true). */
  migrate?: boolean;
}

export class PostgresClaimRepository implements ClaimRepository {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly runMigrations: boolean;
  /**
   * Every read of a claim's document, `get` and each update's, batched with those asked for at the
   * same time. Frozen, as the files engine gives them: readers asked at once share one parse.
   */
  private readonly documents: ReadBatch<StoredClaim>;
  /** The writes of updates outside a transaction, batched with those made at the same time. */
  private readonly writes: ClaimWriteBatch;
  /**
   * The document and revision last read or written here, by claim: an update's first attempt
   * starts from it rather than reading again. Another instance may have changed the claim since;
   * the write, as every update's, is made only if the row still holds that revision, so a stale
   * copy costs a failed write and a fresh read, never a change.
   */
  private readonly recent = new RecentlyUsed<StoredClaim>(RECENT_DOCUMENTS);

  constructor(options: PostgresClaimRepositoryOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
    this.runMigrations = options.migrate ?? true;
    this.documents = new ReadBatch(async (ids) => {
      const { rows } = await this.query<ClaimRow>(documentsSelect(ids));
      const stored = new Map(rows.map((row) => [row.id, { document: deepFreeze({ claim: row.claim, outbox: row.outbox }), revision: row.revision }]));
      for (const [id, claim] of stored) this.remember(id, claim);
      return stored;
    });
    this.writes = new ClaimWriteBatch((config) => this.query<{ id: string }>(config));
  }

  async open(): Promise<void> {
    if (this.runMigrations) await migrate(this.pool, this.clock).catch(translate);
    await this.fillSearchText();
  }

  /** Claims stored before the search column existed get their words once, from their documents. */
  private async fillSearchText(): Promise<void> {
    for (;;) {
      const { rows } = await this.query<{ id: string; claim: ClaimDocument['claim'] }>('SELECT id, claim FROM claims WHERE search_text IS NULL LIMIT 500');
      if (rows.length === 0) return;
      await this.query(
        'UPDATE claims c SET search_text = t.text FROM unnest($1::text[], $2::text[]) AS t(id, text) WHERE c.id = t.id AND c.search_text IS NULL',
        [rows.map((row) => row.id), rows.map((row) => searchTextOf(row.claim))],
      );
    }
  }

  async close(): Promise<void> {
    // The pool belongs to the composition root, which ends it after every user is closed.
  }

  async allocateId(at: Date): Promise<string> {
    const year = at.getUTCFullYear();
    const { rows } = await this.query<{ last_number: string }>(
      `INSERT INTO claim_counters (year, last_number) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_number = claim_counters.last_number + 1
       RETURNING last_number`,
      [year],
    );
    return `CPOR-${year}-${rows[0]!.last_number.padStart(6, '0')}`;
  }

  async get(id: string): Promise<ClaimDocument | undefined> {
    return (await this.documents.read(id))?.document;
  }

  async insert(document: ClaimDocument): Promise<void> {
    const stored = validated(document);
    await this.inTransaction(async (client) => {
      try {
        await client.query(
          `INSERT INTO claims (id, revision, ${COLUMNS.map(([column]) => column).join(', ')})
           VALUES ($1, 1, ${COLUMNS.map((_, index) => `$${index + 2}`).join(', ')})`,
          [stored.claim.id, ...columnValues(stored)],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new DomainError('invalid-transition', { claimId: stored.claim.id });
        throw error;
      }
      await insertAlerts(client, stored.claim.id, stored.outbox);
    });
  }

  async update<T>(id: string, mutation: DocumentMutation<T>): Promise<T> {
    let kept = this.recent.get(id);
    for (let attempt = 1; ;) {
      // Read before a connection is taken for the write: the read waits for its batch, and a
      // connection held meanwhile could be the one the batch needs.
      const stored = kept ?? (await this.documents.read(id));
      const fromKept = kept !== undefined;
      kept = undefined;
      if (!stored) throw new DomainError('not-found', { claimId: id });
      // Frozen, so the mutation cannot change it, and the entries it keeps are known unchanged
      // when the result is checked. A deadlock runs the mutation again on it; a change committed
      // meanwhile fails the write, and the next attempt reads again.
      const { document: current, revision } = stored;
      let outcome: { written: boolean; result: T; next?: ClaimDocument; deleted?: true };
      try {
        outcome = await withLazyTransaction(
          this.pool,
          async (session) => {
            const { next, result } = await mutation(current, this.readsOn(session));
            // Nothing written says nothing of the row: decided on a kept copy, it is decided again on a read.
            if (next === 'unchanged') return { written: !fromKept, result };
            if (next === 'delete') {
              const deleted = await (await session.connection()).query('DELETE FROM claims WHERE id = $1 AND revision = $2', [id, revision]);
              return { written: deleted.rowCount === 1, result, deleted: true };
            }
            if (next.claim.id !== id) throw new Error(`a mutation of ${id} returned ${next.claim.id}`);
            const checked = validated(next, current);
            // In the transaction its reads opened, on its connection; otherwise with the writes of the moment.
            const written = session.begun
              ? await writeChanged(await session.connection(), 'revision', revision, current.outbox, checked)
              : await this.writes.write({
                  id,
                  revision,
                  values: columnValues(checked),
                  changed: alertChanges(current.outbox, checked.outbox),
                  outboxLength: checked.outbox.length,
                });
            return { written, result, next: checked };
          },
          { retry: true },
        );
      } catch (error) {
        // A refusal may come from the kept copy being stale: it is decided again on a read.
        this.recent.delete(id, stored);
        if (fromKept) continue;
        throw error;
      }
      if (outcome.written) {
        if (outcome.next) this.remember(id, { document: deepFreeze(outcome.next), revision: String(BigInt(revision) + 1n) });
        else if (outcome.deleted) this.recent.delete(id);
        return outcome.result;
      }
      this.recent.delete(id, stored);
      // A stale kept copy is not an attempt: only reads count.
      if (fromKept) continue;
      if (attempt >= MAX_ATTEMPTS) throw new DomainError('storage', { claimId: id, reason: 'too many concurrent writers' });
      attempt += 1;
    }
  }

  /** Keeps a claim's document for the next update here, unless a later revision is kept already. */
  private remember(id: string, stored: StoredClaim): void {
    const kept = this.recent.get(id);
    if (kept && BigInt(kept.revision) > BigInt(stored.revision)) return;
    this.recent.set(id, stored);
  }

  async save(document: ClaimDocument, expectedVersion: number): Promise<void> {
    // Written by version, not from a revision known here: the next update reads.
    this.recent.delete(document.claim.id);
    const stored = validated(document);
    await this.inTransaction(async (client) => {
      const { rows } = await client.query<{ version: number; outbox: Alert[] }>(
        `SELECT version, coalesce((SELECT jsonb_agg(a.alert ORDER BY a.position) FROM claim_alerts a WHERE a.claim_id = c.id), '[]'::jsonb) AS outbox
         FROM claims c WHERE id = $1 FOR UPDATE`,
        [stored.claim.id],
      );
      const row = rows[0];
      if (!row) throw new DomainError('not-found', { claimId: stored.claim.id });
      // The database refuses the stale version: the row is written only if it still holds it.
      const written = await writeChanged(client, 'version', expectedVersion, row.outbox, stored);
      if (!written) throw new DomainError('stale-version', { claimId: stored.claim.id, version: row.version });
    });
  }

  async summary(id: string): Promise<ClaimSummary | undefined> {
    return (await this.summaries([id]))[0];
  }

  summaries(ids: readonly string[]): Promise<ClaimSummary[]> {
    return this.summariesOn(undefined, ids);
  }

  async pendingAlertsOf(ids: readonly string[]): Promise<Map<string, PendingAlerts>> {
    const pending = new Map<string, PendingAlerts>();
    // Three columns, not the summary's thirteen: a delivery's check names every claim it holds.
    for (const chunk of chunksOf(ids, PENDING_CHUNK)) {
      const { rows } = await this.query<{ id: string; pending_alerts: number; pending_mark: string | null }>(
        'SELECT id, pending_alerts, pending_mark FROM claims WHERE id = ANY($1)',
        [chunk],
      );
      for (const row of rows)
        pending.set(row.id, { pendingAlerts: row.pending_alerts, ...(row.pending_mark === null ? {} : { pendingMark: row.pending_mark }) });
    }
    return pending;
  }

  private async summariesOn(session: LazyTransaction | undefined, ids: readonly string[]): Promise<ClaimSummary[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM claims WHERE id = ANY($1)`, [[...ids]], session);
    return rows.map(summaryFromRow);
  }

  async pageOf(scope: ClaimScope, page: ClaimPage): Promise<{ total: number; ids: string[] }> {
    const direction = page.order === 'newest' ? 'DESC' : 'ASC';
    const [inScope, scopeValue] = scopeCondition(scope);
    const { rows } = await this.query<{ total: number; ids: string[] }>(
      `WITH chosen AS (SELECT id, status_since FROM claims WHERE ${inScope} AND ($2::text[] IS NULL OR status = ANY($2)))
       SELECT (SELECT count(*) FROM chosen)::int AS total,
              ARRAY(SELECT id FROM chosen ORDER BY status_since ${direction}, id ${direction} OFFSET $3 LIMIT $4) AS ids`,
      [scopeValue, page.statuses ? [...page.statuses] : null, page.offset ?? 0, page.limit],
    );
    return rows[0]!;
  }

  async idsInStatuses(statuses: readonly Status[]): Promise<string[]> {
    return this.ids('SELECT id FROM claims WHERE status = ANY($1)', [[...statuses]]);
  }

  async idsToPrecheck(statuses: readonly Status[], settled: readonly string[]): Promise<string[]> {
    return this.ids('SELECT id FROM claims WHERE status = ANY($1) AND (precheck_mark IS NULL OR NOT precheck_mark = ANY($2))', [[...statuses], [...settled]]);
  }

  activeIdsForKey(recordKey: string): Promise<string[]> {
    return this.activeIdsForKeyOn(undefined, recordKey);
  }

  private async activeIdsForKeyOn(session: LazyTransaction | undefined, recordKey: string): Promise<string[]> {
    // Inside an update, two claims on one key are checked one after the other across instances;
    // the lock is the transaction's (begun by this query) and ends with it, and the query after it
    // sees the other's commit.
    if (session) await this.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`record-key:${recordKey}`], session);
    return this.ids('SELECT id FROM claims WHERE active AND record_keys @> ARRAY[$1]::text[]', [recordKey], session);
  }

  /** What an update's mutation reads, on the update's connection. */
  private readsOn(session: LazyTransaction): MutationReads {
    return {
      activeIdsForKey: (recordKey) => this.activeIdsForKeyOn(session, recordKey),
      summaries: (ids) => this.summariesOn(session, ids),
    };
  }

  async searchIds(search: ClaimSearch): Promise<string[]> {
    // A substring of the words kept per claim; a sequential scan, fine for what one search shows.
    const pattern = `%${search.text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    const [inScope, scopeValue] = scopeCondition(search.scope);
    return this.ids(`SELECT id FROM claims WHERE ${inScope} AND search_text LIKE $2 ORDER BY status_since DESC, id DESC LIMIT $3`, [
      scopeValue,
      pattern,
      search.limit,
    ]);
  }

  async nextDue(): Promise<DueTimer | undefined> {
    const { rows } = await this.query<{ id: string; next_due_at: string }>(
      'SELECT id, next_due_at FROM claims WHERE next_due_at IS NOT NULL ORDER BY next_due_at, id LIMIT 1',
    );
    const row = rows[0];
    return row && { claimId: row.id, dueAt: Number(row.next_due_at) };
  }

  async idsWithPendingAlerts(limit?: number): Promise<string[]> {
    return this.ids('SELECT id FROM claims WHERE oldest_pending_at IS NOT NULL ORDER BY oldest_pending_at, id LIMIT $1', [
      limit === undefined || !Number.isFinite(limit) ? null : limit,
    ]);
  }

  async leaseDueTimers(terms: LeaseTerms & { limit: number }): Promise<DueTimer[]> {
    const rows = await this.lease('timers', 'next_due_at IS NOT NULL AND next_due_at <= $1', 'next_due_at', terms);
    return rows.map((row) => ({ claimId: row.id, dueAt: Number(row.at) }));
  }

  async leasePendingAlerts(terms: LeaseTerms & { limit: number } & AlertLeaseScope): Promise<string[]> {
    if (terms.among?.length === 0) return [];
    // Named claims are found by id alone: pending_alerts has no index, so no plan can go through the
    // pending one, whose statistics may predate a backlog (a plan through it read all of it).
    const due = terms.among ? 'id = ANY($5) AND pending_alerts > 0' : 'oldest_pending_at IS NOT NULL';
    const rows = await this.lease('alerts', due, 'oldest_pending_at', terms, terms.among ? [[...terms.among]] : []);
    return rows.map((row) => row.id);
  }

  async renewLeases(kind: LeaseKind, claimIds: readonly string[], terms: LeaseTerms): Promise<string[]> {
    if (claimIds.length === 0) return [];
    const { owner, until } = LEASE_COLUMNS[kind];
    const kept: string[] = [];
    for (const chunk of chunksOf(claimIds, LEASE_CHUNK)) {
      kept.push(
        ...(await this.ids(`UPDATE claims SET ${until} = $1 WHERE id = ANY($2) AND ${owner} = $3 RETURNING id`, [
          terms.now.getTime() + terms.leaseMs,
          chunk,
          terms.owner,
        ])),
      );
    }
    return kept;
  }

  async idsLeasedTo(kind: LeaseKind, owner: string, now: Date): Promise<string[]> {
    const { owner: ownerColumn, until } = LEASE_COLUMNS[kind];
    return this.ids(`SELECT id FROM claims WHERE ${ownerColumn} = $1 AND ${until} > $2`, [owner, now.getTime()]);
  }

  async releaseLeases(kind: LeaseKind, claimIds: readonly string[], leaseOwner: string): Promise<void> {
    if (claimIds.length === 0) return;
    const { owner, until } = LEASE_COLUMNS[kind];
    for (const chunk of chunksOf(claimIds, LEASE_CHUNK)) {
      await this.query(`UPDATE claims SET ${owner} = NULL, ${until} = NULL WHERE id = ANY($1) AND ${owner} = $2`, [chunk, leaseOwner]);
    }
  }

  /**
   * One statement: locks the first `limit` matching claims nobody else holds, skipping rows
   * another transaction has locked (a concurrent lease, or an update), and writes the lease.
   * Two instances asking at once therefore get disjoint claims; an expired lease counts as free.
   * `skipOwn`: the owner's own unexpired leases are left out too. `extra`: values from $5 on.
   */
  private async lease(
    kind: LeaseKind,
    due: string,
    order: string,
    terms: LeaseTerms & { limit: number; skipOwn?: boolean },
    extra: readonly unknown[] = [],
  ): Promise<Array<{ id: string; at: string }>> {
    const { owner, until } = LEASE_COLUMNS[kind];
    const now = terms.now.getTime();
    const free = terms.skipOwn ? `${owner} IS NULL OR ${until} <= $1` : `${owner} IS NULL OR ${owner} = $2 OR ${until} <= $1`;
    const { rows } = await this.query<{ id: string; at: string }>(
      `WITH picked AS (
         SELECT id FROM claims
         WHERE ${due} AND (${free})
         ORDER BY ${order}, id
         LIMIT $4
         FOR NO KEY UPDATE SKIP LOCKED
       )
       UPDATE claims c SET ${owner} = $2, ${until} = $3 FROM picked WHERE c.id = picked.id
       RETURNING c.id, c.${order} AS at`,
      [now, terms.owner, now + terms.leaseMs, terms.limit, ...extra],
    );
    // RETURNING keeps no order.
    return rows.sort((a, b) => Number(a.at) - Number(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async count(): Promise<number> {
    const { rows } = await this.query<{ count: number }>('SELECT count(*)::int AS count FROM claims');
    return rows[0]!.count;
  }

  private async ids(sql: string, values: unknown[], session?: LazyTransaction): Promise<string[]> {
    return (await this.query<{ id: string }>(sql, values, session)).rows.map((row) => row.id);
  }

  /** A query in an update's transaction (begun for it) when given its session, else on the pool. */
  private async query<R extends pg.QueryResultRow>(
    sql: string | pg.QueryConfig,
    values: unknown[] = [],
    session?: LazyTransaction,
  ): Promise<pg.QueryResult<R>> {
    const config: pg.QueryConfig = typeof sql === 'string' ? prepared(sql, values) : sql;
    try {
      if (!session) return await this.pool.query<R>(config);
      await session.begin();
      return await (await session.connection()).query<R>(config);
    } catch (error) {
      return translate(error);
    }
  }

  /**
   * Runs `work` in a transaction on its own connection. Deadlocks between two updates (each
   * holding one record key and waiting for the other's) are run again when `retry` allows it.
   */
  private inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>, retry = false): Promise<T> {
    return inTransaction(this.pool, work, { retry });
  }
}

/**
 * A scope as a condition on `$1`, one statement text a kind of scope: a prepared statement's
 * generic plan then keeps the index of its kind. The customer's is that index's own expression.
 */
function scopeCondition(scope: ClaimScope): [condition: string, value: string | null] {
  if (scope === 'all') return ['$1::text IS NULL', null];
  if ('partnerTenantId' in scope) return ['partner_tenant_id = $1', scope.partnerTenantId];
  return ['customer_tenant_id IS NOT NULL AND lower(customer_tenant_id) = lower($1)', scope.customerTenantId];
}

function validated(document: ClaimDocument, previous?: ClaimDocument): ClaimDocument {
  // Checked before it is written, as the files engine does: a bad document would break readers.
  const checked = checkForStorage(document, previous);
  if ('problem' in checked) throw new Error(`claim ${document.claim.id} is invalid at ${checked.problem.at}: ${checked.problem.message}`);
  return checked.document;
}

/** What a write stores in each of `COLUMNS`, in their order: the indexed columns, then the document. */
function columnValues(document: ClaimDocument): unknown[] {
  const summary = summaryOf(document);
  return [
    document.claim.version,
    summary.partnerTenantId,
    summary.customerTenantId ?? null,
    summary.status,
    summary.consentPhase ?? null,
    summary.statusSince,
    summary.createdAt,
    summary.recordKeys,
    summary.active,
    summary.nextDueAt ?? null,
    oldestPendingAt(document) ?? null,
    summary.pendingAlerts,
    summary.pendingMark ?? null,
    searchTextOf(document.claim),
    summary.precheckMark ?? null,
    document.claim,
  ];
}

/**
 * Alert rows from one jsonb parameter, `[{ position, alert }]`: a single JSON text for the driver
 * to send, where text arrays would be escaped element by element; the indexed columns are read
 * from the alert itself.
 */
const ALERT_ROWS = (parameter: string) =>
  `SELECT $1, t.position, t.alert->>'id', t.alert->>'state', t.alert->>'createdAt', t.alert
   FROM jsonb_to_recordset(${parameter}::jsonb) AS t(position int, alert jsonb)`;

/**
 * One statement, one round trip: the claim's row where it still holds `expected` (its revision or
 * its version), and only then its alerts that differ from `before`, by position, dropping those
 * past the end. Named, so each connection parses and plans it once. True when the row was written.
 */
async function writeChanged(
  client: pg.PoolClient,
  condition: 'revision' | 'version',
  expected: unknown,
  before: readonly Alert[],
  stored: ClaimDocument,
): Promise<boolean> {
  const changed = changedAlerts(before, stored.outbox);
  const { rowCount } = await client.query({
    name: `claims-write-by-${condition}`,
    text: WRITE_CHANGED[condition],
    values: [stored.claim.id, expected, ...columnValues(stored), changed, stored.outbox.length],
  });
  return rowCount === 1;
}

/** writeChanged's statement per condition: $1 id, $2 expected, then `COLUMNS`, then the changed alerts and the outbox's length. */
const WRITE_CHANGED = (() => {
  const changedAt = `$${COLUMNS.length + 3}`;
  const outboxLengthAt = `$${COLUMNS.length + 4}`;
  const text = (condition: 'revision' | 'version') => `WITH updated AS (
        UPDATE claims SET revision = revision + 1, ${COLUMNS.map(([column], index) => `${column} = $${index + 3}`).join(', ')}
        WHERE id = $1 AND ${condition} = $2
        RETURNING id
      ), written AS (
        INSERT INTO claim_alerts (claim_id, position, id, state, created_at, alert)
        ${ALERT_ROWS(changedAt)}
        WHERE EXISTS (SELECT 1 FROM updated)
        ON CONFLICT (claim_id, position) DO UPDATE
          SET id = excluded.id, state = excluded.state, created_at = excluded.created_at, alert = excluded.alert
      ), dropped AS (
        DELETE FROM claim_alerts WHERE claim_id = $1 AND position >= ${outboxLengthAt} AND EXISTS (SELECT 1 FROM updated)
      )
      SELECT id FROM updated`;
  return { revision: text('revision'), version: text('version') };
})();

/** The alerts that differ from what is stored, by position. */
function alertChanges(before: readonly Alert[], after: readonly Alert[]): Array<{ position: number; alert: Alert }> {
  return after.flatMap((alert, position) => (isDeepStrictEqual(before[position], alert) ? [] : [{ position, alert }]));
}

/** `alertChanges` as the JSON `ALERT_ROWS` reads. */
function changedAlerts(before: readonly Alert[], after: readonly Alert[]): string {
  return JSON.stringify(alertChanges(before, after));
}

/** A new claim's alerts, after its row. */
async function insertAlerts(client: pg.PoolClient, claimId: string, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  await client.query(`INSERT INTO claim_alerts (claim_id, position, id, state, created_at, alert) ${ALERT_ROWS('$2')}`, [claimId, changedAlerts([], alerts)]);
}

function summaryFromRow(row: SummaryRow): ClaimSummary {
  return {
    id: row.id,
    partnerTenantId: row.partner_tenant_id,
    customerTenantId: row.customer_tenant_id ?? undefined,
    status: row.status,
    consentPhase: row.consent_phase ?? undefined,
    statusSince: row.status_since,
    createdAt: row.created_at,
    recordKeys: row.record_keys,
    active: row.active,
    nextDueAt: row.next_due_at === null ? undefined : Number(row.next_due_at),
    pendingAlerts: row.pending_alerts,
    pendingMark: row.pending_mark ?? undefined,
    precheckMark: row.precheck_mark ?? undefined,
  };
}
