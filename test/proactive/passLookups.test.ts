import assert from 'node:assert/strict';
import type { Alert } from '../../services/model.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { MONDAY, PARTNER_TENANT, REVIEW_TENANT, claimAt, createHarness, m365Details, partner, type Harness } from '../support/serviceHarness.js';
import { deliverAll, meet, openWorker, personalActivity, testSettings, VirtualTime, type Worker } from './proactiveFixtures.js';

// One delivery pass resolves the recipients of many alerts: it asks the conversation references
// once per person, not once per alert, and still sees a chat it created or one that opened.
// Alerts nobody can be found for wait in memory: each poll resolves their recipients again
// without reading them (once per person waited for), and reads a claim again only when its
// pending alerts are no longer the ones waiting (their count and mark in its summary).

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

/**
 * Another instance's change (no kick here): a pending alert made from the claim's
 * `claim-submitted` one, its id and dedupe key ending in `-${suffix}`, with `changes` on top (and
 * `changes.data` on top of its data); the alert `settling` names, if any, sent in the same change.
 */
async function recordedElsewhere(harness: Harness, claimId: string, suffix: string, changes: Partial<Alert> = {}, settling?: string): Promise<void> {
  await harness.repository.update(claimId, (stored) => {
    const current = structuredClone(stored);
    current.outbox = current.outbox.map((alert) => (alert.id === settling ? { ...alert, state: 'sent' as const } : alert));
    const template = current.outbox.find((alert) => alert.kind === 'claim-submitted')!;
    current.outbox.push({
      ...template,
      id: `${template.id}-${suffix}`,
      dedupeKey: `${template.dedupeKey}-${suffix}`,
      state: 'pending',
      attempts: 0,
      ...changes,
      data: { ...template.data, ...changes.data },
    });
    return { next: current, result: undefined };
  });
}

/** Claims of one partner for different customers, each submitted. */
async function submitted(harness: Harness, count: number): Promise<void> {
  for (let claim = 0; claim < count; claim += 1) {
    const customer = `${String(claim).repeat(8)}-0000-4000-8000-000000000000`;
    await claimAt(harness, 'Submitted', m365Details({ customerTenantId: customer, customerDomain: `customer-${claim}.onmicrosoft.com` }));
  }
}

describe('proactive: the lookups of one delivery pass, and waiting alerts', () => {
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  let asked: Map<string, number>;
  const partnerChat = { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' };
  const reviewerChat = { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer' as const] };

  /** The clock moved on by `ms`, a poll's pass, and what it sent. */
  const pollAfter = async (ms: number) => {
    harness.clock.advance(ms);
    await worker.outbox.drain({ recheckWaiting: false });
    await worker.outbox.idle();
  };

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

  it("leaves the claims it holds out of every poll's lease, though every pass finds a full batch", async () => {
    await worker.outbox.stop();
    worker = await openWorker(harness, { references: worker.references, settings: testSettings({ batchSize: 2 }) });
    // What each poll pass's lease asked for: whether it left this owner's claims out, and how many.
    const asked: Array<{ skipOwn: boolean; limit: number }> = [];
    const repository = harness.repository;
    const { leasePendingAlerts } = repository;
    repository.leasePendingAlerts = async (terms) => {
      if (!terms.among) asked.push({ skipOwn: terms.skipOwn === true, limit: terms.limit });
      return leasePendingAlerts.call(repository, terms);
    };
    let customers = 0;
    for (let pass = 0; pass < 4; pass += 1) {
      // More than a batch of new alerts before each pass: another instance's claims, never kicked here.
      for (let claim = 0; claim < 3; claim += 1) {
        customers += 1;
        const customerTenantId = `${String(customers).padStart(8, '0')}-0000-4000-8000-000000000000`;
        await claimAt(harness, 'Submitted', m365Details({ customerTenantId, customerDomain: `customer-${customers}.onmicrosoft.com` }));
      }
      await worker.outbox.drain({ recheckWaiting: false });
    }
    assert.ok((await harness.service.pendingAlerts(100)).length > 4, 'receipts wait for the partner, held here');
    // Leasing the held claims again would ask for a batch and one more each time (the old take-back).
    assert.deepEqual(asked, Array(4).fill({ skipOwn: true, limit: 2 }));
  });

  it('renews each claim it holds a quarter of a lease after it was leased, not all of them at once', async () => {
    const renewed: string[][] = [];
    const repository = harness.repository;
    const { renewLeases } = repository;
    repository.renewLeases = async (kind, ids, terms) => (renewed.push([...ids].sort()), renewLeases.call(repository, kind, ids, terms));
    const settings = testSettings();
    // The lease the worker takes: at least four poll intervals.
    const quarter = Math.max(settings.leaseMs, 4 * settings.pollIntervalMs) / 4;
    // The reviewers' chat is throttled for an hour: each claim's alert to them is held here (not only waiting).
    connector.script('a:reviewer', { status: 429, headers: { 'Retry-After': '3600' } });
    let customers = 0;
    const held = async () => {
      customers += 1;
      const customerTenantId = `${String(customers).padStart(8, '0')}-0000-4000-8000-000000000000`;
      const { id } = await claimAt(harness, 'Submitted', m365Details({ customerTenantId, customerDomain: `customer-${customers}.onmicrosoft.com` }));
      await worker.outbox.drain({ recheckWaiting: false });
      return id;
    };
    const first = await held();
    harness.clock.advance(quarter / 2);
    const second = await held();
    assert.deepEqual(renewed, [], 'neither is due yet');
    for (const step of [quarter / 2, quarter / 2, quarter / 2]) {
      harness.clock.advance(step);
      await worker.outbox.drain({ recheckWaiting: false });
    }
    assert.deepEqual(renewed, [[first], [second], [first]]);
  });

  it('renews a claim whose alerts all wait for a quarter of an hour, a quarter of that apart, and one with an alert to send as before', async () => {
    // The lease the worker takes: at least four poll intervals (four minutes here); the park: a quarter of an hour.
    const lease = Math.max(testSettings().leaseMs, 4 * testSettings().pollIntervalMs);
    const park = 15 * 60_000;
    // Its receipt waits for the partner, whom the bot never met; its alert to the reviewers goes.
    const { id: waits } = await claimAt(harness, 'Submitted');
    await deliverAll(worker, harness);
    // The reviewers' chat is throttled for an hour: this claim's alert to them is held, its receipt waits.
    connector.script('a:reviewer', { status: 429, headers: { 'Retry-After': '3600' } });
    const { id: sends } = await claimAt(
      harness,
      'Submitted',
      m365Details({ customerTenantId: '99999999-0000-4000-8000-000000000000', customerDomain: 'customer-9.onmicrosoft.com' }),
    );
    await worker.outbox.drain({ recheckWaiting: false });
    while (connector.posts('a:reviewer').length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const renewed: Array<[string[], number]> = [];
    const repository = harness.repository;
    const { renewLeases } = repository;
    repository.renewLeases = async (kind, ids, terms) => (renewed.push([[...ids], terms.leaseMs]), renewLeases.call(repository, kind, ids, terms));

    for (let pass = 1; pass <= 8; pass += 1) {
      harness.clock.advance(lease / 4);
      await worker.outbox.drain({ recheckWaiting: false });
    }
    const held: [string[], number] = [[sends], lease];
    assert.deepEqual(renewed, [held, [[waits], park], held, held, held, held, [[waits], park], held, held, held]);
    assert.deepEqual(await harness.repository.idsLeasedTo('alerts', harness.service.instanceId, harness.clock.now()), [waits, sends].sort());
  });

  it('sends the alerts waiting for someone who became reachable a batch a pass', async () => {
    await worker.outbox.stop();
    worker = await openWorker(harness, { references: worker.references, settings: testSettings({ batchSize: 2 }) });
    await submitted(harness, 5);
    await deliverAll(worker, harness);
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 5);
    assert.equal((await harness.service.pendingAlerts(100)).length, 5, 'the receipts wait for the partner');

    await worker.references.recordActivity(personalActivity(connector, partnerChat), { userId: partnerChat.userId, roles: [] });
    worker.outbox.noteReachable();
    const delivered: number[] = [];
    for (let pass = 0; pass < 3; pass += 1) {
      await worker.outbox.drain({ recheckWaiting: false });
      await worker.outbox.idle();
      delivered.push(connector.delivered(':submission-receipt:partner').length);
    }
    assert.deepEqual(delivered, [2, 4, 5]);
    assert.equal((await harness.service.pendingAlerts(100)).length, 0);
  });

  it('a change committed here is taken by a pass over that claim alone, whatever waits', async () => {
    await submitted(harness, 3);
    await deliverAll(worker, harness);
    const waitingClaims = new Set((await harness.service.pendingAlerts(100)).map((alert) => alert.claimId));
    assert.equal(waitingClaims.size, 3, 'three receipts wait for the partner');
    // The claims each call to the store named or gave back, from here on.
    const named: string[] = [];
    const repository = harness.repository;
    const { get, summaries, pendingAlertsOf, renewLeases, leasePendingAlerts } = repository;
    repository.get = async (id) => (named.push(id), get.call(repository, id));
    repository.summaries = async (ids) => (named.push(...ids), summaries.call(repository, ids));
    repository.pendingAlertsOf = async (ids) => (named.push(...ids), pendingAlertsOf.call(repository, ids));
    repository.renewLeases = async (kind, ids, terms) => (named.push(...ids), renewLeases.call(repository, kind, ids, terms));
    repository.leasePendingAlerts = async (terms) => {
      const leased = await leasePendingAlerts.call(repository, terms);
      named.push(...(terms.among ?? []), ...leased);
      return leased;
    };
    worker.outbox.start();
    const { id: changed } = await claimAt(
      harness,
      'Submitted',
      m365Details({ customerTenantId: '99999999-0000-4000-8000-000000000000', customerDomain: 'customer-9.onmicrosoft.com' }),
    );
    named.length = 0;
    worker.outbox.kick(changed);
    while (connector.delivered(':claim-submitted:reviewers').length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    await worker.outbox.idle();
    assert.deepEqual([...new Set(named)], [changed]);
    assert.equal((await harness.service.pendingAlerts(100)).length, 4);
  });

  it('holds a minute of sends at most: a claim changed meanwhile stays in the store, free for another instance', async () => {
    await worker.outbox.stop();
    let startPass: (() => void) | undefined;
    // One send a second, so a minute of sends is 60 alerts; Teams throttles the reviewers' chat for an hour.
    worker = await openWorker(harness, {
      references: worker.references,
      settings: testSettings({ globalRatePerSecond: 1 }),
      gather: (start) => ((startPass = start), { cancel: () => undefined }),
    });
    connector.script('a:reviewer', { status: 429, headers: { 'Retry-After': '3600' } });
    const { id: throttled } = await claimAt(harness, 'Submitted');
    for (let copy = 1; copy < 60; copy += 1) await recordedElsewhere(harness, throttled, `copy-${copy}`);
    // The loop's first pass (the poll's) takes them all, then the loop sleeps: no pass runs until the one kicked below.
    worker.outbox.start();
    while (connector.posts('a:reviewer').length === 0 || worker.outbox.health().lastDrainAt === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const { id: changed } = await claimAt(
      harness,
      'Submitted',
      m365Details({ customerTenantId: '99999999-0000-4000-8000-000000000000', customerDomain: 'customer-9.onmicrosoft.com' }),
    );
    harness.clock.advance(1);
    const passAt = harness.clock.now().toISOString();
    worker.outbox.kick(changed);
    startPass!();
    // The loop's sleep moves this clock on by the time it slept, so the pass may end later still.
    while ((worker.outbox.health().lastDrainAt ?? '') < passAt) await new Promise((resolve) => setTimeout(resolve, 5));

    const otherInstance = await harness.repository.leasePendingAlerts({ now: harness.clock.now(), owner: 'other-instance', leaseMs: 60_000, limit: 10 });
    assert.deepEqual(otherInstance, [changed], 'the throttled claim stays leased here; the changed one was left free');
    assert.equal(connector.posts('a:reviewer').length, 1, 'nothing more sent into the throttled chat');
  });

  it('changes committed one after another while their pass gathers are taken by one pass', async () => {
    await worker.outbox.stop();
    let startPass: (() => void) | undefined;
    worker = await openWorker(harness, { references: worker.references, gather: (start) => ((startPass = start), { cancel: () => undefined }) });
    worker.outbox.start();
    await worker.outbox.idle();
    const leasedAmong: string[][] = [];
    const repository = harness.repository;
    const { leasePendingAlerts } = repository;
    repository.leasePendingAlerts = async (terms) => {
      if (terms.among) leasedAmong.push([...terms.among]);
      return leasePendingAlerts.call(repository, terms);
    };
    const changed: string[] = [];
    for (let claim = 0; claim < 3; claim += 1) {
      const customer = `${String(claim).repeat(8)}-0000-4000-8000-000000000000`;
      const { id } = await claimAt(harness, 'Submitted', m365Details({ customerTenantId: customer, customerDomain: `customer-${claim}.onmicrosoft.com` }));
      changed.push(id);
      worker.outbox.kick(id);
    }
    assert.deepEqual(leasedAmong, [], 'no pass before the gathering ends');
    startPass!();
    while (connector.delivered(':claim-submitted:reviewers').length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await worker.outbox.idle();
    assert.deepEqual(leasedAmong, [changed]);
  });

  it('an alert recorded elsewhere on a claim whose alerts wait here goes out with the first poll a minute after they began to wait', async () => {
    await submitted(harness, 1);
    await deliverAll(worker, harness);
    const [receipt] = await harness.service.pendingAlerts(100);
    // A second alert for the reviewers.
    await recordedElsewhere(harness, receipt!.claimId, 'again');
    await pollAfter(59_000);
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 1, 'not its turn yet');
    await pollAfter(1000);
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 2);
    assert.deepEqual(
      (await harness.service.pendingAlerts(100)).map((alert) => alert.kind),
      ['submission-receipt'],
    );
  });

  it('an alert recorded elsewhere in the change that settled the one waiting here (the same count) goes out with the poll a minute after', async () => {
    await submitted(harness, 1);
    await deliverAll(worker, harness);
    const [receipt] = await harness.service.pendingAlerts(100);
    assert.equal(receipt?.kind, 'submission-receipt');
    await recordedElsewhere(harness, receipt.claimId, 'again', {}, receipt.id);
    assert.equal((await harness.repository.summary(receipt.claimId))?.pendingAlerts, 1, 'one pending alert, as before');
    await pollAfter(60_000);
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 2);
    assert.deepEqual(await harness.service.pendingAlerts(100), []);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 0, 'sent elsewhere');
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

  it('a poll resolves the recipients of the alerts waiting for one person once', async () => {
    await worker.outbox.stop();
    const asked: string[] = [];
    const delegations = { current: async (person: { userId: string }) => (asked.push(person.userId), undefined) };
    worker = await openWorker(harness, { references: worker.references, delegations });
    await submitted(harness, 3);
    await deliverAll(worker, harness);
    // Another instance assigned each claim to a reviewer of a tenant the bot never met.
    const reviewerAway = { reviewerId: 'reviewer-away', reviewerTenantId: '77777777-0000-4000-8000-000000000000' };
    for (const { claimId } of await harness.service.pendingAlerts(100)) {
      await recordedElsewhere(harness, claimId, 'assigned', { kind: 'claim-assigned', to: 'reviewer', data: reviewerAway });
    }
    await worker.outbox.drain();
    await worker.outbox.idle();
    assert.equal((await harness.service.pendingAlerts(100)).length, 6, 'three receipts and three assignments wait');
    asked.length = 0;
    for (let poll = 0; poll < 2; poll += 1) {
      await worker.outbox.drain();
      await worker.outbox.idle();
    }
    assert.deepEqual(asked, ['reviewer-away', 'reviewer-away'], 'one question about the away reviewer a poll');
    assert.equal((await harness.service.pendingAlerts(100)).length, 6);
  });

  it('polls resolve waiting alerts again without reading them or their unchanged claims, and deliver once the partner writes', async () => {
    await worker.outbox.stop();
    const time = new VirtualTime(MONDAY.getTime());
    // Each poll's pass checks the claims worked here first; the test holds the passes back there
    // from poll 2 on (poll 1 comes at once, while the reviewers' alerts may still be settling).
    let checksAllowed = 1;
    const held: Array<() => void> = [];
    // The claims read by each check, in order: check n is poll n's.
    const readByCheck: string[][] = [];
    let checking = false;
    const get = harness.repository.get.bind(harness.repository);
    harness.repository.get = async (id) => {
      if (checking) readByCheck[readByCheck.length - 1]!.push(id);
      return get(id);
    };
    const claims: typeof harness.service = Object.create(harness.service) as typeof harness.service;
    claims.checkHeldAlerts = async (...args) => {
      while (readByCheck.length >= checksAllowed) await new Promise<void>((resolve) => held.push(resolve));
      readByCheck.push([]);
      checking = true;
      try {
        return await harness.service.checkHeldAlerts(...args);
      } finally {
        checking = false;
      }
    };
    const allowChecks = (count: number): void => {
      checksAllowed = count;
      for (const release of held.splice(0)) release();
    };
    const until = async (done: () => boolean | Promise<boolean>): Promise<void> => {
      while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: time });
    const references = counted(await ConversationReferenceStore.open(documents, { clock: time }), asked);
    worker = await openWorker(harness, { documents, references, claims, clock: time, settings: testSettings({ pollIntervalMs: 5000 }) });
    await submitted(harness, 3);

    worker.outbox.start();
    try {
      // The first pass reaches the reviewers; the receipts wait for the partner.
      await until(async () => held.length > 0 && (await harness.service.pendingAlerts(100)).length === 3);
      const settling = readByCheck[0]!.length;
      assert.equal(connector.delivered(':claim-submitted:reviewers').length, 3);
      asked.clear();
      allowChecks(26);
      await until(() => readByCheck.length === 26 && held.length > 0);
      // Polls 2 to 25 (two minutes, 5 s apart) read none of the three claims: their pending
      // alerts are the receipts waiting here.
      assert.deepEqual(readByCheck.slice(1, 25).flat(), []);
      assert.ok(settling <= 3, `poll 1 read ${settling} claims`);
      // One question of each kind about the partner a poll, whatever the number of receipts waiting for them.
      assert.deepEqual(Object.fromEntries(asked), { personalChat: 25, anyPersonalChat: 25, endpointFor: 25 });
      assert.equal(connector.delivered(':submission-receipt:partner').length, 0);

      // The partner writes while poll 27 waits: that pass finds them and sends the receipts, with
      // poll 28 held back.
      await worker.references.recordActivity(personalActivity(connector, partnerChat), { userId: partnerChat.userId, roles: [] });
      worker.outbox.noteReachable();
      allowChecks(27);
      const deadline = Date.now() + 5000;
      await until(() => connector.delivered(':submission-receipt:partner').length === 3 || Date.now() > deadline);
      assert.equal(readByCheck.length, 27);
      assert.equal(connector.delivered(':submission-receipt:partner').length, 3);
    } finally {
      allowChecks(Number.POSITIVE_INFINITY);
    }
    await worker.outbox.stop();
    assert.equal((await harness.service.pendingAlerts(100)).length, 0);
  });
});
