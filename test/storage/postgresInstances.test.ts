import assert from 'node:assert/strict';
import type pg from 'pg';
import { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { alertStateFrom, OutboxDelivery } from '../../bot/proactive/outboxDelivery.js';
import { ClaimService } from '../../services/claimService.js';
import { TIMER_LEASE_MS } from '../../services/claims/timers.js';
import type { Clock } from '../../services/clock.js';
import { createPolicy } from '../../services/policy.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { PostgresDocumentStore } from '../../storage/postgres/postgresDocumentStore.js';
import { PostgresSendLimiter } from '../../storage/postgres/postgresSendLimiter.js';
import { claimId, makeAlert, makeClaimDocument, makeTimer, removeAllTempDataDirs, tempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { ManualClock, MONDAY, PARTNER_TENANT } from '../support/serviceHarness.js';
import { meet, testRenderer, testSettings, unauthenticatedAdapter, VirtualTime } from '../proactive/proactiveFixtures.js';
import { countStatements, statementsLike } from '../../bench/support/statementCount.js';
import { assertWithinTeamsWindows, TEAMS_WINDOWS, worstWindow } from '../support/rateWindows.js';

// Two bot instances (each its own pool, service and instance id) sharing one database: due timers
// and pending alerts are split between them by leases, each fires or is sent exactly once, a
// lease left by an instance that stopped passes to the other when it lapses by the clock, and
// Teams' send limits hold for what both send together.

const DAY = 86_400_000;
/** The statements of a conversation lookup (a find by tags), alone or several at once. */
const FIND = /FROM documents\s+WHERE collection = \$1 AND tags @>|JOIN LATERAL/;
/** Reads of claims' documents. */
const CLAIM_READ = /FROM claims c WHERE c\.id = ANY/;
/** Reads of documents by key: in these passes, the delivery journal's and the chats' before each send. */
const KEYED_READ = /FROM documents WHERE collection = \$1 AND key = ANY/;
const GLOBAL_RATE = 50;

/** The dedupe keys of the alerts accepted, in arrival order (the test renderer writes them in brackets). */
function arrivedKeys(connector: ProactiveConnector): string[] {
  return connector
    .posts()
    .filter((request) => request.status < 300)
    .map((request) => /\[(CPOR-[^\]]+)\]/.exec(JSON.stringify(request.body))?.[1] ?? 'unknown');
}

describe('PostgreSQL: several instances share the work by leases, and the send limits', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  const pools: pg.Pool[] = [];
  const stops: Array<() => Promise<void>> = [];

  const instance = async (url: string, name: string, clock: Clock) => {
    const pool = createPool({ connectionString: url, poolSize: 8 });
    pools.push(pool);
    const repository = new PostgresClaimRepository({ pool, clock });
    await repository.open();
    return { pool, repository, service: new ClaimService({ repository, policy: createPolicy({}), clock, instanceId: name }) };
  };

  before(async function () {
    cluster = await clusterOrSkip(this, 'the PostgreSQL multi-instance tests');
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  after(removeAllTempDataDirs);

  describe('due timers', () => {
    /** `count` submitted claims, each with its review-start timer due on MONDAY. */
    async function claimsWithDueTimers(repository: PostgresClaimRepository, count: number): Promise<void> {
      for (let index = 1; index <= count; index += 1) {
        const dueAt = new Date(MONDAY.getTime() + index * 1000).toISOString();
        await repository.insert(makeClaimDocument({ id: claimId(index), deadlines: { reviewStart: dueAt }, timers: [makeTimer(dueAt)] }));
      }
    }

    async function overdueAlerts(repository: PostgresClaimRepository, count: number): Promise<number[]> {
      const perClaim: number[] = [];
      for (let index = 1; index <= count; index += 1) {
        const document = (await repository.get(claimId(index)))!;
        assert.ok(
          document.claim.timers.every((timer) => timer.firedAt),
          `${claimId(index)} has a timer not fired`,
        );
        perClaim.push(document.outbox.filter((alert) => alert.kind === 'review-sla-overdue').length);
      }
      return perClaim;
    }

    it('200 due timers, two instances ticking at once: each fires exactly once, and both did some', async () => {
      const url = await cluster.createDatabase('cpor_lease_ticks');
      const clock = new ManualClock(MONDAY);
      const [one, two] = [await instance(url, 'instance-one', clock), await instance(url, 'instance-two', clock)];
      await claimsWithDueTimers(one.repository, 200);
      const now = new Date(MONDAY.getTime() + DAY);
      const [first, second] = await Promise.all([one.service.tick(now), two.service.tick(now)]);

      const fired = [...first, ...second].map((firing) => firing.claimId);
      assert.equal(fired.length, 200);
      assert.equal(new Set(fired).size, 200, 'no timer fired twice');
      assert.ok(first.length > 0 && second.length > 0, `both instances took part (${first.length} + ${second.length})`);
      assert.ok(
        [first, second].every((firings) => firings.every((firing, i) => i === 0 || firing.dueAt >= firings[i - 1]!.dueAt)),
        'each instance fired earliest first',
      );
      assert.deepEqual(new Set(await overdueAlerts(one.repository, 200)), new Set([1]), 'one overdue alert per claim');
      const { rows } = await one.pool.query<{ held: number }>('SELECT count(*)::int AS held FROM claims WHERE timer_lease_owner IS NOT NULL');
      assert.equal(rows[0]!.held, 0, 'every lease released at the end of the tick');
    });

    it('an instance that stopped holding leases: the other fires those timers once the leases lapse by the clock', async () => {
      const url = await cluster.createDatabase('cpor_lease_lapse');
      const clock = new ManualClock(MONDAY);
      const [stopped, survivor] = [await instance(url, 'instance-stopped', clock), await instance(url, 'instance-survivor', clock)];
      await claimsWithDueTimers(stopped.repository, 30);
      const crashedAt = new Date(MONDAY.getTime() + DAY);
      // The stopped instance leased 20 claims and never fired or released them.
      const leased = await stopped.repository.leaseDueTimers({ now: crashedAt, owner: 'instance-stopped', leaseMs: TIMER_LEASE_MS, limit: 20 });
      assert.equal(leased.length, 20);

      const early = await survivor.service.tick(crashedAt);
      assert.deepEqual(
        early.map((firing) => firing.claimId),
        Array.from({ length: 10 }, (_, i) => claimId(21 + i)),
        'only what nobody held',
      );
      assert.deepEqual(await survivor.service.tick(new Date(crashedAt.getTime() + TIMER_LEASE_MS - 1)), [], 'held until the lease ends');
      const takenOver = await survivor.service.tick(new Date(crashedAt.getTime() + TIMER_LEASE_MS));
      assert.deepEqual(
        takenOver.map((firing) => firing.claimId),
        leased.map((timer) => timer.claimId),
      );
      assert.deepEqual(new Set(await overdueAlerts(survivor.repository, 30)), new Set([1]));
    });
  });

  describe('pending alerts and send limits', () => {
    const USERS = ['partner-user-a', 'partner-user-b'];
    const chatOf = (userId: string) => `a:chat-${userId}`;

    /** `count` claims with one pending alert each, to one of USERS' personal chats in turn. */
    async function pendingAlerts(repository: PostgresClaimRepository, count: number, users: readonly string[] = USERS): Promise<void> {
      for (let index = 1; index <= count; index += 1) {
        const document = makeClaimDocument({ id: claimId(index) });
        const createdAt = new Date(MONDAY.getTime() - DAY + index).toISOString();
        document.outbox.push(
          makeAlert(document.claim, {
            id: `alert-${index}`,
            dedupeKey: `${document.claim.id}:1:submission-receipt:partner`,
            kind: 'submission-receipt',
            to: 'partner',
            createdAt,
            data: { partnerTenantId: PARTNER_TENANT, createdBy: users[index % users.length]! },
          }),
        );
        await repository.insert(document);
      }
    }

    /** One bot instance's delivery worker: its own data folder, pool, lanes and (shared) limits. */
    async function deliveryInstance(
      url: string,
      name: string,
      serviceClock: Clock,
      time: Clock,
      connector: ProactiveConnector,
      { leaseMs, users = USERS }: { leaseMs?: number; users?: readonly string[] } = {},
    ) {
      const { pool, repository, service } = await instance(url, name, serviceClock);
      const problems: string[] = [];
      const dataDir = await tempDataDir(`cpor-${name}-`);
      const settings = testSettings({ batchSize: 10, globalRatePerSecond: GLOBAL_RATE });
      // As in production: the instances share the database's documents (references, journal).
      const documents = new PostgresDocumentStore({ pool, clock: time, dataDir: dataDir.path });
      const references = await ConversationReferenceStore.open(documents, { clock: time });
      for (const userId of users) await meet(references, connector, { tenantId: PARTNER_TENANT, userId, conversationId: chatOf(userId) });
      const log = (message: string, error?: unknown) => problems.push(`${name}: ${message} ${String(error ?? '')}`);
      const lanes = new ConversationLanes({ clock: time, globalRatePerSecond: GLOBAL_RATE, limiter: new PostgresSendLimiter({ pool, clock: time, log }), log });
      const outbox = await OutboxDelivery.open({
        claims: service,
        alertState: alertStateFrom(repository),
        adapter: unauthenticatedAdapter(),
        appId: '',
        references,
        documents,
        renderAlert: testRenderer,
        settings,
        clock: time,
        lanes,
        owner: name,
        log,
        ...(leaseMs ? { leaseMs } : {}),
      });
      stops.push(() => outbox.stop());
      return { repository, outbox, problems };
    }

    /** Drains until the database holds no pending alert. */
    async function deliverUntilDone(worker: Awaited<ReturnType<typeof deliveryInstance>>): Promise<void> {
      for (let pass = 0; pass < 2000; pass += 1) {
        await worker.outbox.drain();
        await worker.outbox.idle();
        if ((await worker.repository.idsWithPendingAlerts(1)).length === 0) return;
        // The rest is leased to the other instance: look again in a moment.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail('alerts still pending after 2000 passes');
    }

    it('200 pending alerts, two delivery loops: each sent exactly once, within 7/1 s, 8/2 s, 60/30 s per chat across both', async () => {
      const url = await cluster.createDatabase('cpor_lease_alerts');
      const time = new VirtualTime();
      const connector = await ProactiveConnector.start({ now: () => time.millis() });
      stops.push(() => connector.close());
      const serviceClock = new ManualClock(MONDAY);
      const one = await deliveryInstance(url, 'instance-one', serviceClock, time, connector);
      const two = await deliveryInstance(url, 'instance-two', serviceClock, time, connector);
      await pendingAlerts(one.repository, 200);

      await Promise.all([deliverUntilDone(one), deliverUntilDone(two)]);

      const keys = arrivedKeys(connector);
      assert.equal(new Set(keys).size, 200, 'every alert arrived');
      assert.equal(keys.length, 200, 'none twice');
      assert.equal(connector.posts().length, 200, 'and nothing else was posted');
      const [sentByOne, sentByTwo] = [one.outbox.health().sentTotal, two.outbox.health().sentTotal];
      assert.equal(sentByOne + sentByTwo, 200);
      assert.ok(sentByOne > 0 && sentByTwo > 0, `both instances delivered (${sentByOne} + ${sentByTwo})`);
      for (const userId of USERS) {
        const arrivals = connector.posts(chatOf(userId));
        assert.equal(arrivals.length, 100);
        assertWithinTeamsWindows(arrivals, chatOf(userId));
      }
      assert.ok(worstWindow(connector.posts(), 1000) <= GLOBAL_RATE, 'the global rate held across both instances');
      assert.deepEqual([...one.problems, ...two.problems], []);
    });

    it('a pass of alerts for ten people reads their claims, finds their chats and reads the journal with a statement each, and sends each alert once', async () => {
      const url = await cluster.createDatabase('cpor_look_ahead');
      const time = new VirtualTime();
      const connector = await ProactiveConnector.start({ now: () => time.millis() });
      stops.push(() => connector.close());
      const people = Array.from({ length: 10 }, (_, index) => `partner-user-${index}`);
      const worker = await deliveryInstance(url, 'instance-one', new ManualClock(MONDAY), time, connector, { users: people });
      await pendingAlerts(worker.repository, 10, people);

      const stopCounting = countStatements();
      const before = { finds: statementsLike(FIND), keyedReads: statementsLike(KEYED_READ), claimReads: statementsLike(CLAIM_READ) };
      try {
        await worker.outbox.drain();
        await worker.outbox.idle();
      } finally {
        stopCounting();
      }

      assert.equal(new Set(arrivedKeys(connector)).size, 10, 'every alert arrived');
      assert.equal(connector.posts().length, 10, 'once each');
      for (const userId of people) assert.equal(connector.posts(chatOf(userId)).length, 1);
      assert.equal(statementsLike(FIND) - before.finds, 1, 'the ten chats found with one statement');
      const keyedReads = statementsLike(KEYED_READ) - before.keyedReads;
      assert.ok(keyedReads <= 2, `the journal read once and the chats by key at most once, not twice an alert: ${keyedReads} reads`);
      const claimReads = statementsLike(CLAIM_READ) - before.claimReads;
      assert.ok(claimReads <= 2, `the ten leased claims read at once, and again at once before their sends: ${claimReads} reads`);
      assert.equal((await worker.repository.idsWithPendingAlerts(10)).length, 0);
      assert.deepEqual(worker.problems, []);
    });

    it('keeps send slots only while they can still count: pruned per key, swept for quiet keys', async () => {
      const url = await cluster.createDatabase('cpor_send_sweep');
      const time = new VirtualTime();
      const { pool } = await instance(url, 'instance-one', time);
      const now = time.millis();
      await pool.query('INSERT INTO send_slots (key, granted_at, completed_at) VALUES ($1, $2, $2), ($1, $3, $3), ($4, $2, $2)', [
        'conversation:busy',
        now - 31_000,
        now - 100,
        'conversation:quiet',
      ]);
      await pool.query('UPDATE send_slots SET granted_at = $1, completed_at = $1 WHERE key = $2', [now - 3_600_000, 'conversation:quiet']);
      const slot = await new PostgresSendLimiter({ pool, clock: time }).acquire('conversation:busy', TEAMS_WINDOWS);
      await slot!.release();
      const { rows } = await pool.query<{ key: string; completed_at: string }>('SELECT key, completed_at FROM send_slots ORDER BY completed_at');
      assert.deepEqual(
        rows.map((row) => [row.key, Number(row.completed_at) - now]),
        [
          ['conversation:busy', -100],
          ['conversation:busy', 0],
        ],
        'the busy key keeps what is inside its 30 s window (and the new one); the quiet key is swept',
      );
    });

    it('a request left in flight by an instance that stopped blocks its window only until it counts as abandoned', async () => {
      const url = await cluster.createDatabase('cpor_send_abandoned');
      const time = new VirtualTime();
      const [stopped, survivor] = [await instance(url, 'instance-stopped', time), await instance(url, 'instance-survivor', time)];
      const windows = [{ limit: 1, windowMs: 1000 }];
      const grantedAt = time.millis();
      const neverReleased = await new PostgresSendLimiter({ pool: stopped.pool, clock: time }).acquire('conversation:x', windows);
      assert.ok(neverReleased);
      const slot = await new PostgresSendLimiter({ pool: survivor.pool, clock: time }).acquire('conversation:x', windows);
      assert.ok(slot);
      const waited = time.millis() - grantedAt;
      assert.ok(waited >= 181_000 && waited < 182_000, `granted after ${waited} ms: abandoned after 180 s, then out of the 1 s window`);
      await slot.release();
    });

    it('an instance that stopped mid-work without releasing: the other delivers its alerts after the lease, by the clock', async () => {
      const url = await cluster.createDatabase('cpor_lease_alert_lapse');
      const time = new VirtualTime();
      const connector = await ProactiveConnector.start({ now: () => time.millis() });
      stops.push(() => connector.close());
      const serviceClock = new ManualClock(MONDAY);
      const leaseMs = 120_000;
      const stopped = await instance(url, 'instance-stopped', serviceClock);
      const survivor = await deliveryInstance(url, 'instance-survivor', serviceClock, time, connector, { leaseMs });
      await pendingAlerts(stopped.repository, 12);
      // The stopped instance took its batch (the 10 oldest claims' alerts) and went away.
      const taken = await stopped.service.leasePendingAlerts({ owner: 'instance-stopped', leaseMs }, 10);
      assert.equal(taken.alerts.length, 10);

      const pass = async () => {
        await survivor.outbox.drain();
        await survivor.outbox.idle();
        return arrivedKeys(connector);
      };
      // The two are delivered side by side: either may arrive first.
      assert.deepEqual(
        (await pass()).sort(),
        [claimId(11), claimId(12)].map((id) => `${id}:1:submission-receipt:partner`),
        'only what nobody held',
      );
      serviceClock.advance(leaseMs - 1);
      assert.equal((await pass()).length, 2, 'held until the lease ends');
      serviceClock.advance(1);
      assert.equal((await pass()).length, 12, 'taken over when the lease lapsed');
      assert.equal(new Set(arrivedKeys(connector)).size, 12, 'none twice');
      assert.deepEqual(await survivor.repository.idsWithPendingAlerts(), []);
    });
  });
});
