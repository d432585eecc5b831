import assert from 'node:assert/strict';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import type { DocumentStore } from '../../services/store/documentStore.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { MONDAY, PARTNER_TENANT, REVIEW_TENANT, claimAt, createHarness, m365Details, partner, type Harness } from '../support/serviceHarness.js';
import { deliverAll, meet, openWorker, personalActivity, testSettings, VirtualTime, type Worker } from './proactiveFixtures.js';

// One delivery pass resolves the recipients of many alerts: it asks the conversation references
// once per person, not once per alert, and still sees a chat it created or one that opened; it
// asks the delivery journal about all its alerts at once. Alerts nobody can be found for wait in
// memory: each poll resolves their recipients again without reading them, and every twelfth
// reads them again from the store.

const LOOKUPS = ['personalChat', 'anyPersonalChat', 'endpointFor', 'tenantChats', 'reviewerChannels', 'reviewerChats'] as const;

/** The real store, counting the lookups made of it. */
function counted(references: ConversationReferenceStore, asked: Map<string, number>): ConversationReferenceStore {
  return new Proxy(references, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if ((LOOKUPS as readonly (string | symbol)[]).includes(property)) asked.set(String(property), (asked.get(String(property)) ?? 0) + 1);
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Claims of one partner for different customers, each submitted. */
async function submitted(harness: Harness, count: number): Promise<void> {
  for (let claim = 0; claim < count; claim += 1) {
    const customer = `${String(claim).repeat(8)}-0000-4000-8000-000000000000`;
    await claimAt(harness, 'Submitted', m365Details({ customerTenantId: customer, customerDomain: `customer-${claim}.onmicrosoft.com` }));
  }
}

describe('proactive: one delivery pass: its lookups, its journal reads, and alerts left waiting', () => {
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  let asked: Map<string, number>;
  const partnerChat = { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' };
  const reviewerChat = { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer' as const] };

  beforeEach(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start();
    asked = new Map();
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: harness.clock });
    const references = counted(await ConversationReferenceStore.open(documents, { clock: harness.clock }), asked);
    worker = await openWorker(harness, { documents, references });
    await meet(worker.references, connector, reviewerChat);
  });

  afterEach(async () => {
    await worker.outbox.stop();
    await connector.close();
    await harness.cleanup();
  });

  it('asks once per person for a pass of many alerts, and delivers them once the partner writes', async () => {
    await submitted(harness, 4);
    await worker.outbox.drain();
    await worker.outbox.idle();

    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 4);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 0, 'the bot never met the partner');
    // Four receipts for one partner the bot cannot reach, four alerts for the reviewers: one question each.
    assert.deepEqual(Object.fromEntries(asked), { personalChat: 1, anyPersonalChat: 1, endpointFor: 1, reviewerChannels: 1, reviewerChats: 1 });
    assert.equal((await harness.service.pendingAlerts(100)).length, 4);

    // The partner writes to the bot: the next pass asks again and reaches them.
    await worker.references.recordActivity(personalActivity(connector, partnerChat), { userId: partnerChat.userId, roles: [] });
    worker.outbox.noteReachable();
    await deliverAll(worker, harness);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 4);
    assert.ok(connector.posts('a:partner').every((request) => request.status < 300));
    assert.equal((await harness.service.pendingAlerts(100)).length, 0);
  });

  it('creates one chat with a partner it never met, and sends the rest of the pass there', async () => {
    // A colleague of the partner talked to the bot, so it knows where to create a chat in their tenant.
    await meet(worker.references, connector, { tenantId: PARTNER_TENANT, userId: 'colleague-1', conversationId: 'a:colleague' });
    await submitted(harness, 3);
    await worker.outbox.drain();
    await worker.outbox.idle();

    const receipts = connector.delivered(':submission-receipt:partner');
    assert.equal(receipts.length, 3);
    const conversations = new Set(receipts.map((request) => request.conversationId));
    assert.equal(conversations.size, 1, `the receipts went to ${[...conversations].join(', ')}`);
    assert.match([...conversations][0]!, /^a:created-/);
    assert.equal((await worker.references.personalChat(PARTNER_TENANT, partner().userId))?.reference.conversation.id, [...conversations][0]);
  });

  it('polls look at waiting alerts again by their recipients, read them every twelfth poll, and deliver once the partner writes', async () => {
    await worker.outbox.stop();
    const time = new VirtualTime(MONDAY.getTime());
    // The alerts each pass read from the store (the claims' documents), per pass. A pass waits
    // before it leases while the test holds the passes back.
    const readPerPass: string[][] = [];
    let passesAllowed = 26;
    const held: Array<() => void> = [];
    const claims: typeof harness.service = Object.create(harness.service) as typeof harness.service;
    claims.leasePendingAlerts = async (...args) => {
      while (readPerPass.length >= passesAllowed) await new Promise<void>((resolve) => held.push(resolve));
      const leased = await harness.service.leasePendingAlerts(...args);
      readPerPass.push(leased.alerts.map((alert) => alert.kind));
      return leased;
    };
    const receiptPasses = (): number[] => readPerPass.flatMap((kinds, pass) => (kinds.includes('submission-receipt') ? [pass] : []));
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: time });
    asked.clear();
    const references = counted(await ConversationReferenceStore.open(documents, { clock: time }), asked);
    worker = await openWorker(harness, { documents, references, claims, clock: time, settings: testSettings({ pollIntervalMs: 5000 }) });
    await submitted(harness, 3);

    worker.outbox.start();
    const releasePasses = (): void => {
      passesAllowed = Number.POSITIVE_INFINITY;
      for (const release of held.splice(0)) release();
    };
    try {
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(readPerPass.length, 26);
      // Read by the first pass, then by every twelfth poll only (a minute of polls 5 s apart).
      assert.deepEqual(receiptPasses(), [0, 12, 24]);
      assert.ok(readPerPass.every((kinds) => kinds.filter((kind) => kind === 'submission-receipt').length % 3 === 0));
      // One question of each kind about the partner a pass (27 began; the last waits to lease), whatever the number of alerts waiting for them.
      assert.deepEqual(Object.fromEntries(asked), { personalChat: 27, anyPersonalChat: 27, endpointFor: 27, reviewerChannels: 1, reviewerChats: 1 });
      assert.equal(connector.delivered(':submission-receipt:partner').length, 0);

      // The partner writes while pass 26 waits: pass 27 finds them, reads the receipts again and sends them.
      await worker.references.recordActivity(personalActivity(connector, partnerChat), { userId: partnerChat.userId, roles: [] });
      worker.outbox.noteReachable();
    } finally {
      releasePasses();
    }
    while (connector.delivered(':submission-receipt:partner').length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await worker.outbox.stop();
    assert.equal(receiptPasses()[3], 27, 'read again by the pass after the partner wrote, not by the next twelfth poll (36)');
    assert.equal(connector.delivered(':submission-receipt:partner').length, 3);
    assert.equal((await harness.service.pendingAlerts(100)).length, 0);
  });

  it("asks the delivery journal about a pass's alerts at once", async () => {
    await worker.outbox.stop();
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: harness.clock });
    let inFlight = 0;
    let mostInFlight = 0;
    let asks = 0;
    const watched: DocumentStore = {
      collection: async (definition) => {
        const collection = await documents.collection(definition);
        if (definition.name !== 'proactive/delivery-journal') return collection;
        return Object.assign(Object.create(collection) as typeof collection, {
          get: async (key: string) => {
            asks += 1;
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            try {
              return await collection.get(key);
            } finally {
              inFlight -= 1;
            }
          },
        });
      },
    };
    worker = await openWorker(harness, { documents: watched, references: await ConversationReferenceStore.open(documents, { clock: harness.clock }) });
    await submitted(harness, 4);
    await worker.outbox.drain();
    await worker.outbox.idle();
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 4);
    // Eight alerts: whether each was delivered before is asked at once, before any is begun.
    assert.ok(asks >= 8, `${asks} journal reads`);
    assert.equal(mostInFlight, 8);
  });
});
