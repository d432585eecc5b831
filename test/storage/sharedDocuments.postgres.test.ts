import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import type pg from 'pg';
import { CardCopies, type CardCopiesOptions } from '../../bot/proactive/cardCopies.js';
import type { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { DeliveryJournal } from '../../bot/proactive/deliveryJournal.js';
import { UsedConsentTokens } from '../../consent/usedConsentTokens.js';
import { isDomainError } from '../../services/errors.js';
import { ReviewerDelegations } from '../../services/reviewers/delegations.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresDocumentStore } from '../../storage/postgres/postgresDocumentStore.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { tempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip } from '../support/postgresCluster.js';
import { ManualClock } from '../support/serviceHarness.js';

// Two bot instances on one PostgreSQL database (a pool each) share the stores that used to live
// under each instance's DATA_DIR: a conversation recorded by both is recorded once and made
// reachable once, a consent link used on both is used once, and one instance's journal is the
// other's. An unreachable database is `storage-unavailable`, as for claims.

const partnerActivity: Partial<Activity> = {
  type: 'message',
  channelId: 'msteams',
  serviceUrl: 'https://smba.example/',
  locale: 'en-US',
  from: { id: '29:partner-1', name: 'Partner', aadObjectId: 'partner-1' },
  recipient: { id: '28:bot', name: 'CPOR' },
  conversation: { id: 'a:partner-1', conversationType: 'personal', tenantId: 'tenant-1', isGroup: false, name: '' },
  channelData: { tenant: { id: 'tenant-1' } },
};

const hashName = (key: string) => `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;

/** Card copies with nothing to send through: only their store is exercised here. */
function cardCopiesOptions(): Omit<CardCopiesOptions, 'documents'> {
  return {
    adapter: {} as CardCopiesOptions['adapter'],
    appId: '',
    references: {} as ConversationReferenceStore,
    lanes: {} as ConversationLanes,
    latestClaim: async () => undefined,
    render: {
      claimCard: async () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
      alertCard: () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
    },
    clock: new ManualClock(new Date('2026-03-02T09:00:00Z')),
    settings: { requestTimeoutMs: 1000, backoffBaseMs: 10, backoffMaxMs: 100 },
  };
}

describe('document store, postgres engine: two instances on one database', function () {
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const pools: pg.Pool[] = [];
  let instances: [PostgresDocumentStore, PostgresDocumentStore];

  before(async function () {
    this.timeout(120_000);
    const cluster = await clusterOrSkip(this, 'the shared document stores on the postgres engine');
    const url = await cluster.createDatabase('cpor_shared_documents');
    pools.push(createPool({ connectionString: url }), createPool({ connectionString: url }));
    await migrate(pools[0]!, clock);
    instances = [new PostgresDocumentStore({ pool: pools[0]!, clock }), new PostgresDocumentStore({ pool: pools[1]!, clock })];
  });

  beforeEach(async () => {
    await pools[0]?.query('TRUNCATE documents');
  });

  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it('records a conversation both instances see at once a single time, and only one says it became reachable', async () => {
    const [a, b] = await Promise.all(instances.map((documents) => ConversationReferenceStore.open(documents, { clock })));
    for (let round = 0; round < 5; round += 1) {
      await pools[0]!.query('TRUNCATE documents');
      const recorded = await Promise.all([a!, b!].map((references) => references.recordActivity(partnerActivity, { userId: 'partner-1', roles: [] })));
      assert.equal(recorded.filter((outcome) => outcome?.reachable).length, 1, `round ${round}: reachable once`);
      const { rows } = await pools[0]!.query<{ count: string }>(`SELECT count(*) FROM documents WHERE collection = 'conversations'`);
      assert.equal(rows[0]!.count, '1');
    }
    assert.equal((await b!.personalChat('tenant-1', 'partner-1'))?.userId, 'partner-1');

    // One instance marks it dead, the other sees that; a message on the other revives it once.
    await a!.markDead('tenant-1|a:partner-1', 'ConversationBlockedByUser');
    assert.equal(await b!.personalChat('tenant-1', 'partner-1'), undefined);
    const revived = await b!.recordActivity(partnerActivity, { userId: 'partner-1', roles: [] });
    assert.equal(revived?.reachable, true);
    assert.equal((await a!.recordActivity(partnerActivity, { userId: 'partner-1', roles: [] }))?.reachable, false);
  });

  it("shares a reviewer's out-of-office: set on one instance, in force on the other, ended by the Clock", async () => {
    const [a, b] = await Promise.all(instances.map((documents) => ReviewerDelegations.open(documents, clock)));
    const rita = { userId: 'reviewer-1', tenantId: '55555555-5555-4555-8555-555555555555', displayName: 'Rita', roles: ['reviewer' as const] };
    const rob = { ...rita, userId: 'reviewer-2', displayName: 'Rob' };
    const until = new Date(clock.now().getTime() + 2 * 24 * 3600_000);
    await a!.set(rita, { until: until.toISOString(), delegate: rob });
    assert.equal((await b!.current(rita))?.delegate.name, 'Rob');
    clock.set(until);
    assert.equal(await b!.current(rita), undefined, 'over at its end on the other instance too');
    clock.set(new Date('2026-03-02T09:00:00Z'));
    assert.equal(await b!.clear(rita), true);
    assert.equal(await a!.current(rita), undefined);
  });

  it('lets a consent link be used once across instances', async () => {
    const [a, b] = await Promise.all(instances.map((documents) => UsedConsentTokens.open(documents)));
    const expiresAt = new Date(clock.now().getTime() + 60_000);
    const uses = await Promise.all([a!.markUsed('jti-1', expiresAt), b!.markUsed('jti-1', expiresAt), a!.markUsed('jti-1', expiresAt)]);
    assert.deepEqual(uses.filter(Boolean), [true], 'exactly one use recorded');
    assert.equal(await b!.has('jti-1'), true);
    assert.equal(await a!.has('jti-2'), false);
  });

  it('shares the delivery journal: what one instance sent, the other will not send again', async () => {
    const [a, b] = await Promise.all(instances.map((documents) => DeliveryJournal.open(documents, { retentionMs: 60_000, clock })));
    await a!.record('alert-1', 'tenant-1|a:partner-1', 'sending');
    assert.equal((await b!.state('alert-1', 'tenant-1|a:partner-1'))?.state, 'sending');
    await a!.record('alert-1', 'tenant-1|a:partner-1', 'sent', 'm-1');
    await a!.markDone('alert-1');
    assert.equal((await b!.state('alert-1', 'tenant-1|a:partner-1'))?.activityId, 'm-1');
    assert.equal(await b!.isDone('alert-1'), true);
  });

  it("moves an instance's DATA_DIR documents into the database once, and never brings back one deleted since", async () => {
    const dir = await tempDataDir('cpor-move-');
    try {
      // One reference written by the files engine (an envelope), one by the version before it.
      const files = await ConversationReferenceStore.open(new FileDocumentStore({ dataDir: dir.path, clock }), { clock });
      await files.recordActivity(partnerActivity, { userId: 'partner-1', roles: [] });
      const older = { ...(await files.get('tenant-1|a:partner-1'))!, key: 'tenant-1|a:partner-2', userId: 'partner-2' };
      await writeFile(join(dir.path, 'conversations', hashName(older.key)), JSON.stringify(older));
      await mkdir(join(dir.path, 'consent'), { recursive: true });
      await writeFile(join(dir.path, 'consent', 'used-tokens.json'), JSON.stringify({ 'jti-old': clock.now().getTime() + 60_000 }));
      await mkdir(join(dir.path, 'proactive', 'card-copies'), { recursive: true });
      await writeFile(
        join(dir.path, 'proactive', 'delivery-journal.jsonl'),
        `${JSON.stringify({ key: 'alert-1', target: 'c1', state: 'sending', at: clock.now().getTime() })}\n`,
      );
      // A card copy of the previous version does not name its claim: it cannot be moved.
      await writeFile(join(dir.path, 'proactive', 'card-copies', hashName('CPOR-2026-0001')), '[]');

      const logged: string[] = [];
      const moving = new PostgresDocumentStore({ pool: pools[0]!, clock, dataDir: dir.path, log: (message) => logged.push(message) });
      const references = await ConversationReferenceStore.open(moving, { clock });
      assert.deepEqual(
        (await references.all()).map((stored) => stored.userId),
        ['partner-1', 'partner-2'],
      );
      assert.equal(await (await UsedConsentTokens.open(moving)).has('jti-old'), true);
      assert.equal((await (await DeliveryJournal.open(moving, { retentionMs: 60_000, clock })).state('alert-1', 'c1'))?.state, 'sending');
      assert.deepEqual(await readdir(join(dir.path, 'conversations')), []);
      assert.deepEqual(await readdir(join(dir.path, 'consent')), []);

      // The other instance sees them; a removal there is not undone by this instance's next start.
      const other = await ConversationReferenceStore.open(instances[1], { clock });
      assert.equal(await other.removeForUninstall(partnerActivity), 1);
      const restarted = await ConversationReferenceStore.open(new PostgresDocumentStore({ pool: pools[0]!, clock, dataDir: dir.path }), { clock });
      assert.deepEqual(
        (await restarted.all()).map((stored) => stored.userId),
        ['partner-2'],
      );
      await CardCopies.open({ ...cardCopiesOptions(), documents: moving });
      assert.ok(
        logged.some((line) => /1 files that do not name their key stay/.test(line)),
        logged.join('\n'),
      );
    } finally {
      await dir.remove();
    }
  });

  it('turns an unreachable database into storage-unavailable', async function () {
    this.timeout(20_000);
    // Nothing listens on port 1.
    const pool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutMs: 2000 });
    try {
      const references = await ConversationReferenceStore.open(new PostgresDocumentStore({ pool, clock }), { clock });
      await assert.rejects(references.get('tenant-1|a:partner-1'), (error: unknown) => isDomainError(error, 'storage-unavailable'));
    } finally {
      await pool.end();
    }
  });
});
