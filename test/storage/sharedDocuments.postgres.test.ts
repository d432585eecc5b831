import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import type pg from 'pg';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { DeliveryJournal } from '../../bot/proactive/deliveryJournal.js';
import { UsedConsentTokens } from '../../consent/usedConsentTokens.js';
import { isDomainError } from '../../services/errors.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresDocumentStore } from '../../storage/postgres/postgresDocumentStore.js';
import { announceSkip, testCluster } from '../support/postgresCluster.js';
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

describe('document store, postgres engine: two instances on one database', function () {
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const pools: pg.Pool[] = [];
  let instances: [PostgresDocumentStore, PostgresDocumentStore];

  before(async function () {
    this.timeout(120_000);
    const cluster = await testCluster();
    if (!cluster) {
      announceSkip('the shared document stores on the postgres engine');
      this.skip();
    }
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
