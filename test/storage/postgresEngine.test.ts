import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { ClaimService } from '../../services/claimService.js';
import type { ClaimDocument } from '../../services/model.js';
import { isDomainError } from '../../services/errors.js';
import { createPolicy } from '../../services/policy.js';
import { loadMigrations } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { PostgresDocumentStore } from '../../storage/postgres/postgresDocumentStore.js';
import { PostgresStateStorage } from '../../storage/postgres/postgresStateStorage.js';
import { openStorage, type OpenedStorage } from '../../storage/openStorage.js';
import { systemClock } from '../../services/clock.js';
import { FIXTURE_NOW, claimId, makeAlert, makeClaimDocument } from '../support/claimFixtures.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { ManualClock, MONDAY, m365Details, partner, poeFile } from '../support/serviceHarness.js';

// What only a shared database adds to the contract: several instances (each its own pool) on one
// database, migrations racing at start, and the database unreachable, slow or restarting.

describe('PostgreSQL engine: several instances, failures', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;
  const pools: pg.Pool[] = [];

  const instance = async (url: string, options: { statementTimeoutMs?: number; poolSize?: number; clock?: ManualClock } = {}) => {
    const { clock = new ManualClock(MONDAY), ...poolOptions } = options;
    const pool = createPool({ connectionString: url, poolSize: 8, ...poolOptions });
    pools.push(pool);
    const repository = new PostgresClaimRepository({ pool, clock });
    await repository.open();
    return { pool, repository };
  };

  before(async function () {
    this.timeout(120_000);
    cluster = await clusterOrSkip(this, 'the PostgreSQL engine tests');
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  it('migrates once when instances start together, and again not at all', async () => {
    const url = await cluster.createDatabase('cpor_migrate');
    await Promise.all(Array.from({ length: 4 }, () => instance(url)));
    await instance(url);
    const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((row) => row.version),
      (await loadMigrations()).map((migration) => migration.version),
    );
  });

  it('prepares the statements of a turn once per connection, then only runs them', async () => {
    const { pool, repository } = await instance(await cluster.createDatabase('cpor_prepared'), { poolSize: 1 });
    await repository.insert(makeClaimDocument({ id: claimId(1) }));
    const copies = await new PostgresDocumentStore({ pool, clock: new ManualClock(MONDAY) }).collection({
      name: 'card-copies',
      schema: z.object({ n: z.number() }),
    });
    const state = new PostgresStateStorage(pool);
    await copies.put('a', { n: 1 });
    for (let run = 0; run < 3; run += 1) {
      assert.equal((await repository.summaries([claimId(1)]))[0]?.id, claimId(1));
      assert.deepEqual((await copies.get('a'))?.value, { n: 1 });
      assert.deepEqual(await state.read(['conversation-1']), {});
    }

    // One connection, so this is the session that ran them: each statement parsed once, run three times.
    assert.deepEqual(await runsOf(pool, /FROM claims WHERE id = ANY/), [3]);
    assert.deepEqual(await runsOf(pool, /FROM documents WHERE collection = \$1 AND key = ANY/), [3]);
    assert.deepEqual(await runsOf(pool, /FROM bot_state WHERE key = ANY/), [3]);
  });

  // A statement keeps the rows it changes locked until it ends: one renewing the thousands of claims
  // a delivery backlog holds kept each claim's write waiting for all of them (273 ms in the bench).
  it('renews and releases the leases of many claims a few hundred a statement, and keeps what another owner holds', async () => {
    const { pool, repository } = await instance(await cluster.createDatabase('cpor_lease_chunks'), { poolSize: 1 });
    const ids = Array.from({ length: 1001 }, (_, index) => claimId(index + 1));
    await Promise.all(ids.map((id) => repository.insert(makeClaimDocument({ id }))));
    await pool.query("UPDATE claims SET alert_lease_owner = CASE WHEN id = $1 THEN 'instance-b' ELSE 'instance-a' END, alert_lease_until = 1", [claimId(1)]);

    const kept = await repository.renewLeases('alerts', ids, { now: new Date(MONDAY), owner: 'instance-a', leaseMs: 60_000 });
    assert.deepEqual(new Set(kept), new Set(ids.slice(1)));
    assert.deepEqual(await runsOf(pool, /SET alert_lease_until = \$1 WHERE id = ANY/), [3], '1,001 claims in three statements');
    const until = await pool.query<{ owner: string; until: string }>(
      'SELECT DISTINCT alert_lease_owner AS owner, alert_lease_until::text AS until FROM claims ORDER BY 1',
    );
    assert.deepEqual(until.rows, [
      { owner: 'instance-a', until: String(new Date(MONDAY).getTime() + 60_000) },
      { owner: 'instance-b', until: '1' },
    ]);

    await repository.releaseLeases('alerts', ids, 'instance-a');
    assert.deepEqual(await runsOf(pool, /SET alert_lease_owner = NULL/), [3]);
    const owners = await pool.query<{ owner: string | null; count: number }>(
      'SELECT alert_lease_owner AS owner, count(*)::int AS count FROM claims GROUP BY 1 ORDER BY 1',
    );
    assert.deepEqual(owners.rows, [
      { owner: 'instance-b', count: 1 },
      { owner: null, count: 1000 },
    ]);
  });

  // Statistics taken while few claims had pending alerts make their index look empty; a plan through
  // it then read the whole backlog to find the named claims (1,500 rows a lease in the bench).
  it('leases the alerts of the claims it names by their ids, reading no other claim, on statistics taken before a backlog', async () => {
    const { pool, repository } = await instance(await cluster.createDatabase('cpor_lease_among'), { poolSize: 1 });
    const ids = Array.from({ length: 600 }, (_, index) => claimId(index + 1));
    await Promise.all(ids.map((id) => repository.insert(makeClaimDocument({ id }))));
    await pool.query('ANALYZE claims');
    // A backlog, as its columns show it: every claim has an alert waiting, the named ones the newest.
    await pool.query('UPDATE claims SET oldest_pending_at = 1000 + substr(id, 11)::int, pending_alerts = 1');
    const among = ids.slice(-3);
    const terms = { now: new Date(MONDAY), owner: 'instance-a', leaseMs: 60_000, limit: among.length, among };
    assert.deepEqual(await repository.leasePendingAlerts(terms), among);

    // The statement as prepared on the pool's one connection, planned as after its fifth run.
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE statement LIKE '%alert_lease_owner = $2%'");
      assert.equal(rows.length, 1);
      await client.query('BEGIN');
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const now = MONDAY.getTime() + 120_000;
      // EXECUTE takes no bound values: the lease's own, written out.
      const named = `ARRAY[${among.map((id) => client.escapeLiteral(id)).join(', ')}]`;
      const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE "${rows[0]!.name}"(${now}, 'instance-a', ${now + 60_000}, ${among.length}, ${named})`,
      );
      await client.query('ROLLBACK');
      const scans = scansOf(explained.rows[0]!['QUERY PLAN'][0].Plan).filter((node) => node['Relation Name'] === 'claims');
      const rowsRead = scans.reduce((sum, node) => sum + (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'], 0);
      // Each named claim found once to lock it and once to write its lease.
      assert.equal(rowsRead, 2 * among.length, JSON.stringify(scans.map((node) => [node['Node Type'], node['Index Name']])));
    } finally {
      client.release();
    }
  });

  it('reads and writes the claims, and reads and finds the documents, asked for at once with one statement each', async () => {
    const clock = new ManualClock(MONDAY);
    const { pool, repository } = await instance(await cluster.createDatabase('cpor_batched'), { poolSize: 1, clock });
    for (const number of [1, 2, 3]) await repository.insert(makeClaimDocument({ id: claimId(number) }));
    const copies = await new PostgresDocumentStore({ pool, clock }).collection({ name: 'card-copies', schema: z.object({ n: z.number() }) });
    await copies.put('kept', { n: 1 });
    await copies.put('expiring', { n: 2 }, { expiresAt: MONDAY.getTime() + 1000 });

    const claims = await Promise.all([1, 2, 1, 99].map((number) => repository.get(claimId(number))));
    assert.deepEqual(
      claims.map((document) => document?.claim.id),
      [claimId(1), claimId(2), claimId(1), undefined],
    );
    assert.deepEqual(await runsOf(pool, /FROM claims c WHERE c\.id = ANY/), [1]);

    // Three changes at once, on an instance that has read none of them: one read for all, one
    // write for all (each over what it read), and no connection held by any of them besides those
    // two statements'.
    const fresh = new PostgresClaimRepository({ pool, clock });
    let connectionsTaken = 0;
    pool.on('acquire', () => (connectionsTaken += 1));
    await Promise.all(
      [1, 2, 3].map((number) =>
        fresh.update(claimId(number), async (current) => ({
          next: { ...current, claim: { ...current.claim, partnerName: `Partner ${number}` } },
          result: undefined,
        })),
      ),
    );
    assert.equal(connectionsTaken, 2);
    assert.deepEqual(await runsOf(pool, /FROM claims c WHERE c\.id = ANY/), [2]);
    assert.deepEqual(await runsOf(pool, /jsonb_to_recordset\(\$1::jsonb\) AS t\(id text, revision bigint/), [1]);
    const changed = await Promise.all([1, 2, 3].map(async (number) => (await repository.get(claimId(number)))?.claim.partnerName));
    assert.deepEqual(changed, ['Partner 1', 'Partner 2', 'Partner 3']);

    clock.advance(2000);
    const documents = await Promise.all(['kept', 'expiring', 'absent', 'kept'].map((key) => copies.get(key)));
    assert.deepEqual(
      documents.map((document) => document?.value),
      [{ n: 1 }, undefined, undefined, { n: 1 }],
    );
    assert.deepEqual(await runsOf(pool, /FROM documents WHERE collection = \$1 AND key = ANY/), [1]);

    const chats = await new PostgresDocumentStore({ pool, clock }).collection({
      name: 'chats',
      schema: z.object({ tenantId: z.string() }),
      tags: (chat) => ({ tenantId: chat.tenantId }),
    });
    for (const [key, tenantId] of [
      ['b', 't1'],
      ['a', 't1'],
      ['c', 't2'],
    ] as const)
      await chats.put(key, { tenantId });
    const found = await Promise.all(['t1', 't2', 't3', 't1'].map(async (tenantId) => (await chats.find({ tenantId })).map((chat) => chat.key)));
    assert.deepEqual(found, [['a', 'b'], ['c'], [], ['a', 'b']]);
    assert.deepEqual(await runsOf(pool, /JOIN LATERAL/), [1], 'one statement for the finds asked at once');
    assert.deepEqual(
      (await chats.find({ tenantId: 't2' })).map((chat) => chat.key),
      ['c'],
    );
    assert.deepEqual(await runsOf(pool, /JOIN LATERAL/), [1], 'a find alone runs the plain statement');
  });

  it('compresses claim documents with lz4', async () => {
    const url = await cluster.createDatabase('cpor_lz4');
    const { pool, repository } = await instance(url);
    const document = makeClaimDocument({ id: claimId(1) });
    // Past the size at which the database compresses a value.
    document.claim.comments = Array.from({ length: 3 }, (_, index) => ({
      id: `comment-${index}`,
      at: document.claim.createdAt,
      authorId: 'aad-partner',
      side: 'partner' as const,
      text: 'Managed services for the whole estate. '.repeat(40).trim(),
    }));
    await repository.insert(document);
    const { rows } = await pool.query<{ method: string }>('SELECT pg_column_compression(claim) AS method FROM claims WHERE id = $1', [claimId(1)]);
    assert.deepEqual(rows, [{ method: 'lz4' }]);
    assert.deepEqual((await repository.get(claimId(1)))?.claim.comments, document.claim.comments);
  });

  it('gives claims stored before the search column their words at the next start', async () => {
    const url = await cluster.createDatabase('cpor_search_fill');
    const { pool, repository } = await instance(url);
    const documents = Array.from({ length: 3 }, (_, index) => makeClaimDocument({ partnerName: `Litware ${index}` }));
    for (const document of documents) await repository.insert(document);
    // As migration 0007 leaves the rows written before it.
    await pool.query('UPDATE claims SET search_text = NULL');
    assert.deepEqual(await repository.searchIds({ text: 'litware', scope: 'all', limit: 10 }), []);
    const restarted = (await instance(url)).repository;
    assert.deepEqual((await restarted.searchIds({ text: 'litware', scope: 'all', limit: 10 })).sort(), documents.map((document) => document.claim.id).sort());
    assert.deepEqual(await restarted.searchIds({ text: 'litware 1', scope: 'all', limit: 10 }), [documents[1]!.claim.id]);
  });

  it('marks the pending alerts of claims stored before the mark column as the application does', async () => {
    const url = await cluster.createDatabase('cpor_pending_mark');
    const { pool, repository } = await instance(url);
    const documents = Array.from({ length: 3 }, () => makeClaimDocument());
    documents[0]!.outbox.push(
      makeAlert(documents[0]!.claim, { id: 'Z-last' }),
      makeAlert(documents[0]!.claim, { id: 'a-first' }),
      makeAlert(documents[0]!.claim, { id: 'b', state: 'sent', sentAt: FIXTURE_NOW }),
    );
    documents[1]!.outbox.push(makeAlert(documents[1]!.claim));
    for (const document of documents) await repository.insert(document);
    const ids = documents.map((document) => document.claim.id);
    const marks = async () =>
      (await repository.summaries(ids)).map((summary) => [summary.id, summary.pendingMark]).sort(([a], [b]) => String(a).localeCompare(String(b)));
    const written = await marks();
    assert.deepEqual(
      written.map(([, mark]) => mark === undefined),
      [false, false, true],
    );
    // As the rows stood before migration 0010; then its statements, as a start runs them.
    await pool.query('ALTER TABLE claims DROP COLUMN pending_mark');
    const migration = (await loadMigrations()).find((candidate) => candidate.version === 10)!;
    await pool.query(migration.sql);
    assert.deepEqual(await marks(), written);
  });

  it('starts an update from the document it last read or wrote, with no read, and loses nothing another instance changed since', async () => {
    const url = await cluster.createDatabase('cpor_kept');
    const { pool, repository: first } = await instance(url, { poolSize: 1 });
    const second = await instance(url);
    await first.insert(makeClaimDocument({ id: claimId(1) }));
    const rename = (suffix: string, seen: string[]) => (current: ClaimDocument) => {
      seen.push(current.claim.partnerName);
      return { next: { ...current, claim: { ...current.claim, partnerName: `${current.claim.partnerName}${suffix}` } }, result: undefined };
    };

    await first.get(claimId(1));
    const seen: string[] = [];
    await first.update(claimId(1), rename(' +a', seen));
    await first.update(claimId(1), rename(' +b', seen));
    assert.deepEqual(await runsOf(pool, /FROM claims c WHERE c\.id = ANY/), [1], 'the read by get, and none for either update');

    // The other instance changes it: the kept copy is stale, its write fails, and the change is
    // made again on what is stored.
    await second.repository.update(claimId(1), rename(' +other', []));
    seen.length = 0;
    await first.update(claimId(1), rename(' +c', seen));
    assert.deepEqual(seen, ['Contoso Partners Ltd +a +b', 'Contoso Partners Ltd +a +b +other']);
    assert.equal((await second.repository.get(claimId(1)))?.claim.partnerName, 'Contoso Partners Ltd +a +b +other +c');
  });

  it('decides again on a read what it refused or left unchanged on a kept copy another instance overtook', async () => {
    const url = await cluster.createDatabase('cpor_kept_refused');
    const [first, second] = [await instance(url), await instance(url)];
    const document = makeClaimDocument({ id: claimId(1) });
    document.outbox.push(makeAlert(document.claim, { id: 'notice' }));
    await first.repository.insert(document);
    await first.repository.get(claimId(1));
    const setState = (state: 'pending' | 'sent') => (current: ClaimDocument) => {
      const next = structuredClone(current);
      next.outbox[0]!.state = state;
      return { next, result: undefined };
    };

    // Refused on the kept copy (version 1), allowed on what is stored (version 2).
    await second.repository.update(claimId(1), (current) => {
      const next = structuredClone(current);
      next.claim.version = 2;
      return { next, result: undefined };
    });
    const outcome = await first.repository.update(claimId(1), (current) => {
      if (current.claim.version !== 2) throw new Error(`stale: version ${current.claim.version}`);
      return { next: 'unchanged', result: 'decided on version 2' };
    });
    assert.equal(outcome, 'decided on version 2');

    // Nothing to do on the kept copy (sent), something on what is stored (pending again).
    await first.repository.update(claimId(1), setState('sent'));
    await second.repository.update(claimId(1), setState('pending'));
    const marked = await first.repository.update(claimId(1), (current) => {
      if (current.outbox[0]!.state === 'sent') return { next: 'unchanged', result: 'already sent' };
      return { ...setState('sent')(current), result: 'marked sent' };
    });
    assert.equal(marked, 'marked sent');
    assert.equal((await second.repository.get(claimId(1)))?.outbox[0]?.state, 'sent');
  });

  it('lets exactly one of 20 decisions split across two instances win', async () => {
    const url = await cluster.createDatabase('cpor_two');
    const [first, second] = [await instance(url), await instance(url)];
    await first.repository.insert(makeClaimDocument({ id: claimId(1) }));
    const decide = (current: ClaimDocument) => {
      if (current.claim.version !== 1) throw new Error('stale');
      // The stored document is read-only, as on the files engine: the change is made on a copy.
      const next = structuredClone(current);
      next.claim.version = 2;
      next.claim.status = 'InReview';
      next.outbox.push(makeAlert(next.claim, { id: 'review-started' }));
      return { next, result: 'won' };
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).repository.update(claimId(1), decide)));
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    const stored = await second.repository.get(claimId(1));
    assert.equal(stored?.claim.version, 2);
    assert.deepEqual(
      stored?.outbox.map((alert) => alert.id),
      ['review-started'],
    );
  });

  it('stores nothing of a change another instance overtook, its alerts included, and runs it again on the new state', async () => {
    const url = await cluster.createDatabase('cpor_overtaken');
    const [first, second] = [await instance(url), await instance(url)];
    const document = makeClaimDocument({ id: claimId(1) });
    document.outbox.push(makeAlert(document.claim, { id: 'kept' }), makeAlert(document.claim, { id: 'dropped-by-the-loser' }));
    await first.repository.insert(document);
    const runs: string[][] = [];
    await first.repository.update(claimId(1), async (current) => {
      runs.push(current.outbox.map((alert) => alert.id));
      // The other instance commits while this change is being decided.
      if (runs.length === 1) {
        await second.repository.update(claimId(1), (seen) => {
          const next = structuredClone(seen);
          next.outbox[1] = makeAlert(next.claim, { id: 'from-the-other-instance' });
          return { next, result: undefined };
        });
      }
      const next = structuredClone(current);
      next.outbox = next.outbox.slice(0, 1);
      next.outbox.push(makeAlert(next.claim, { id: `from-run-${runs.length}` }));
      next.outbox.push(makeAlert(next.claim, { id: `more-from-run-${runs.length}` }));
      return { next, result: undefined };
    });
    assert.deepEqual(runs, [
      ['kept', 'dropped-by-the-loser'],
      ['kept', 'from-the-other-instance'],
    ]);
    assert.deepEqual(
      (await second.repository.get(claimId(1)))?.outbox.map((alert) => alert.id),
      ['kept', 'from-run-2', 'more-from-run-2'],
    );
  });

  it('holds a key looked up inside a change until that change ends, and no lock otherwise', async () => {
    const url = await cluster.createDatabase('cpor_key_lock');
    const [first, second] = [await instance(url), await instance(url)];
    await first.repository.insert(makeClaimDocument({ id: claimId(1) }));
    const advisoryLocks = async () =>
      (await second.pool.query<{ count: number }>("SELECT count(*)::int AS count FROM pg_locks WHERE locktype = 'advisory' AND granted")).rows[0]!.count;
    const during: number[] = [];
    await first.repository.update(claimId(1), async (_current, reads) => {
      during.push(await advisoryLocks());
      await reads.activeIdsForKey('4512345|customer.example|M365');
      during.push(await advisoryLocks());
      return { next: 'unchanged', result: undefined };
    });
    assert.deepEqual(during, [0, 1]);
    assert.equal(await advisoryLocks(), 0);
  });

  it('refuses a second organisation claim on one key submitted at once on two instances', async () => {
    const url = await cluster.createDatabase('cpor_dup');
    const clock = new ManualClock(MONDAY);
    const services = [await instance(url), await instance(url)].map(({ repository }) => new ClaimService({ repository, policy: createPolicy({}), clock }));
    const drafts = [];
    for (const service of services) {
      const draft = await service.create(partner(), m365Details({ workloads: ['Teams'] }));
      drafts.push(await service.addPoe(partner(), draft.id, draft.version, poeFile()));
    }
    const outcomes = await Promise.allSettled(drafts.map((draft, i) => services[i]!.submit(partner(), draft.id, draft.version)));
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    assert.ok(refused && isDomainError(refused.reason, 'duplicate-claim'), String(refused && refused.reason));
  });

  it('fires each of 200 due timers exactly once when two instances tick at the same time', async function () {
    this.timeout(180_000);
    const url = await cluster.createDatabase('cpor_ticks');
    const clock = new ManualClock(MONDAY);
    const [one, two] = [await instance(url), await instance(url)].map(({ repository }) => new ClaimService({ repository, policy: createPolicy({}), clock }));
    const workloads = ['Teams', 'Exchange', 'SharePoint', 'Intune'] as const;
    for (let i = 0; i < 100; i += 1) {
      // Different customers, so no two claims compete for a key.
      const tenant = `33333333-3333-4333-8333-${String(i).padStart(12, '0')}`;
      const draft = await one!.create(partner(), m365Details({ customerTenantId: tenant, workloads: [workloads[i % workloads.length]!] }));
      const withPoe = await one!.addPoe(partner(), draft.id, draft.version, poeFile());
      await one!.submit(partner(), withPoe.id, withPoe.version);
    }
    // Submitted claims carry the review-start timer and its reminder: 200 timers, all due by now.
    clock.set(new Date(MONDAY.getTime() + 30 * 86_400_000));
    const [first, second] = await Promise.all([one!.tick(), two!.tick()]);
    const fired = [...first, ...second].map((firing) => `${firing.claimId}/${firing.deadline}/${firing.kind}/${firing.dueAt}`);
    assert.equal(new Set(fired).size, fired.length, 'no timer fired twice');
    assert.ok(fired.length >= 200, `${fired.length} timers fired`);
    assert.ok(first.length > 0 && second.length > 0, `both instances took part (${first.length} + ${second.length})`);
    assert.deepEqual(await one!.tick(), [], 'nothing left to fire');
  });

  it('answers storage-unavailable at once when nothing listens', async () => {
    const pool = createPool({ connectionString: `postgres://postgres@127.0.0.1:1/none`, connectTimeoutMs: 2000 });
    pools.push(pool);
    const repository = new PostgresClaimRepository({ pool, clock: new ManualClock(MONDAY) });
    const started = performance.now();
    await assert.rejects(repository.open(), (error) => isDomainError(error, 'storage-unavailable'));
    await assert.rejects(repository.get(claimId(1)), (error) => isDomainError(error, 'storage-unavailable'));
    assert.ok(performance.now() - started < 5000);
  });

  it('waits at start for a database that is not up yet, within the configured wait', async function () {
    this.timeout(120_000);
    const url = await cluster.createDatabase('cpor_startup');
    await assert.rejects(
      openStorage(
        {
          engine: 'postgres',
          dataDir: '/nonexistent',
          rosterFile: '/nonexistent/roster.jsonl',
          auditFile: '/nonexistent/audit.jsonl',
          databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
          startupWaitMs: 0,
        },
        { clock: systemClock },
      ),
      (error) => isDomainError(error, 'storage-unavailable'),
    );
    await cluster.stop();
    const logged: string[] = [];
    let storage: OpenedStorage | undefined;
    try {
      const opening = openStorage(
        {
          engine: 'postgres',
          dataDir: '/nonexistent',
          rosterFile: '/nonexistent/roster.jsonl',
          auditFile: '/nonexistent/audit.jsonl',
          databaseUrl: url,
          startupWaitMs: 60_000,
        },
        { clock: systemClock, log: (line) => logged.push(line) },
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await cluster.start();
      storage = await opening;
    } finally {
      await cluster.start().catch(() => undefined);
    }
    assert.equal(await storage.claims.count(), 0);
    assert.ok(
      logged.some((line) => /not reachable at start/.test(line)),
      logged.join('\n'),
    );
    await storage.close();
  });

  it('gives up on a statement that waits past the timeout, writing nothing', async () => {
    const url = await cluster.createDatabase('cpor_slow');
    const { repository } = await instance(url, { statementTimeoutMs: 300 });
    await repository.insert(makeClaimDocument({ id: claimId(1) }));
    // Another session holds the row: the update's write waits, then the statement timeout ends it.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM claims WHERE id = $1 FOR UPDATE', [claimId(1)]);
      const started = performance.now();
      await assert.rejects(
        repository.update(claimId(1), (current) => ({ next: { ...current, claim: { ...current.claim, version: 2 } }, result: undefined })),
        (error) => isDomainError(error, 'storage-unavailable'),
      );
      assert.ok(performance.now() - started < 3000);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    assert.equal((await repository.get(claimId(1)))?.claim.version, 1);
  });

  it('fails clearly while the database restarts, loses nothing acknowledged, and recovers by itself', async function () {
    this.timeout(120_000);
    const url = await cluster.createDatabase('cpor_restart');
    const { repository } = await instance(url, { statementTimeoutMs: 2000 });
    await repository.insert(makeClaimDocument({ id: claimId(1) }));
    const bump = (current: ClaimDocument) => {
      const version = current.claim.version + 1;
      return { next: { ...current, claim: { ...current.claim, version } }, result: version };
    };
    const acknowledged: number[] = [];
    const failures: unknown[] = [];
    let running = true;
    const writer = (async () => {
      while (running) {
        try {
          acknowledged.push(await repository.update(claimId(1), bump));
        } catch (error) {
          failures.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.restart();
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await writer;

    assert.ok(failures.length > 0, 'the restart was noticed');
    for (const failure of failures) assert.ok(isDomainError(failure, 'storage-unavailable'), String(failure));
    const stored = await repository.get(claimId(1));
    // Every acknowledged write is there: the stored version is at least the last one acknowledged.
    assert.ok(acknowledged.length > 0);
    assert.ok(stored!.claim.version >= Math.max(...acknowledged), `${stored!.claim.version} < ${Math.max(...acknowledged)}`);
    assert.equal(await repository.update(claimId(1), bump), stored!.claim.version + 1);
  });
});

/** How many times each prepared statement matching `pattern` ran, on the one connection of `pool`. */
async function runsOf(pool: pg.Pool, pattern: RegExp): Promise<number[]> {
  const { rows } = await pool.query<{ statement: string; runs: number }>(
    'SELECT statement, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements',
  );
  return rows.filter((row) => pattern.test(row.statement)).map((row) => row.runs);
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(scansOf)].filter((each) => each['Node Type'].endsWith('Scan'));
}
