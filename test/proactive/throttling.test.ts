import assert from 'node:assert/strict';
import type { Alert } from '../../services/model.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { DeliveryJournal } from '../../bot/proactive/deliveryJournal.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import {
  MONDAY,
  PARTNER_TENANT,
  REVIEW_TENANT,
  bizAppsDetails,
  claimAt,
  createHarness,
  m365Details,
  partner,
  type Harness,
} from '../support/serviceHarness.js';
import { VirtualTime, deliverAll, mailFallback, meet, openWorker, personalActivity, testSettings, type Worker } from './proactiveFixtures.js';

// Teams throttling and refusals, against the stand-in connector through a real CloudAdapter.

describe('proactive: throttling, refusals, uninstall', () => {
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  const partnerChat = { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' };
  const reviewerChat = { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer' as const] };

  beforeEach(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start();
    worker = await openWorker(harness);
    await meet(worker.references, connector, partnerChat);
    await meet(worker.references, connector, reviewerChat);
  });

  afterEach(async () => {
    await worker.outbox.stop();
    await connector.close();
    await harness.cleanup();
  });

  it('429 with Retry-After: 1, then 503, then 200: delivered once, not before Retry-After', async () => {
    connector.script('a:partner', { status: 429, headers: { 'Retry-After': '1' } }, { status: 503 });
    const claim = await claimAt(harness, 'Submitted');
    await deliverAll(worker, harness);

    const toPartner = connector.posts('a:partner');
    assert.deepEqual(
      toPartner.map((request) => request.status),
      [429, 503, 200],
      'one HTTP request per attempt: the SDK does not retry on its own',
    );
    assert.ok(toPartner[1]!.at - toPartner[0]!.at >= 1000, `retried ${toPartner[1]!.at - toPartner[0]!.at} ms after the 429`);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 1);
    const receipt = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
    assert.equal(receipt.state, 'sent');
    assert.equal(receipt.attempts, 3);
    // The reviewers' conversation was never held up by the partner's throttling.
    const toReviewers = connector.posts('a:reviewer');
    assert.equal(toReviewers.length, 1);
    assert.ok(toReviewers[0]!.at < toPartner[2]!.at);
  });

  it('403 ConversationBlockedByUser stops retrying, marks the reference dead, others keep flowing', async () => {
    connector.script('a:reviewer', { status: 403, code: 'ConversationBlockedByUser' });
    const claim = await claimAt(harness, 'InReview');
    await deliverAll(worker, harness);

    assert.equal(connector.posts('a:reviewer').length, 1, 'no retry after a 403 blocked');
    assert.equal((await worker.references.get(`${REVIEW_TENANT}|a:reviewer`))?.dead?.reason, 'ConversationBlockedByUser');
    const outbox = (await harness.repository.get(claim.id))!.outbox;
    const submitted = outbox.find((alert) => alert.kind === 'claim-submitted')!;
    assert.equal(submitted.state, 'dead');
    assert.match(submitted.lastError ?? '', /ConversationBlockedByUser/);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 1);
    assert.equal(connector.delivered(':review-started:partner').length, 1);
    assert.equal(worker.outbox.health().deadLetters, 1);

    // The reviewer writes to the bot again: the chat is alive and the next alert arrives.
    await worker.references.recordActivity(personalActivity(connector, reviewerChat), { userId: 'reviewer-1', roles: ['reviewer'] });
    await harness.service.comment(partner(), claim.id, (await harness.service.get(partner(), claim.id)).version, { text: 'See page 3.' });
    await deliverAll(worker, harness);
    assert.equal(connector.delivered(':new-comment:reviewers').length, 1);
  });

  it('a 404 on one of two reviewer chats: the other gets it and the alert counts as sent', async () => {
    await meet(worker.references, connector, { ...reviewerChat, userId: 'reviewer-2', conversationId: 'a:reviewer-2' });
    connector.script('a:reviewer-2', { status: 404, code: 'ConversationNotFound' });
    const claim = await claimAt(harness, 'Submitted');
    await deliverAll(worker, harness);
    const submitted = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'claim-submitted')!;
    assert.equal(submitted.state, 'sent');
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 1);
    assert.ok((await worker.references.get(`${REVIEW_TENANT}|a:reviewer-2`))?.dead);
  });

  it('uninstall removes the reference (alerts wait); reinstall restores delivery', async () => {
    await worker.references.removeForUninstall({ ...personalActivity(connector, partnerChat), type: 'installationUpdate', action: 'remove' });
    assert.equal(await worker.references.personalChat(PARTNER_TENANT, partner().userId), undefined);
    const claim = await claimAt(harness, 'Submitted');
    await deliverAll(worker, harness);
    assert.equal(connector.posts('a:partner').length, 0);
    const waiting = (await harness.service.pendingAlerts()).map((alert) => alert.kind);
    assert.deepEqual(waiting, ['submission-receipt'], 'the partner alert waits; it is not dead yet');

    await worker.references.recordActivity({ ...personalActivity(connector, partnerChat), type: 'installationUpdate', action: 'add' }, partner());
    await deliverAll(worker, harness);
    assert.equal(connector.delivered(':submission-receipt:partner').length, 1);
    assert.equal(
      (await harness.repository.get(claim.id))!.outbox.every((alert) => alert.state === 'sent'),
      true,
    );
  });

  it('an alert waiting for someone is not re-read on every pass, only when someone becomes reachable', async () => {
    await worker.references.removeForUninstall({ ...personalActivity(connector, partnerChat), type: 'installationUpdate', action: 'remove' });
    const claim = await claimAt(harness, 'Submitted');
    await deliverAll(worker, harness);
    const read: string[] = [];
    const get = harness.repository.get.bind(harness.repository);
    harness.repository.get = async (id) => {
      read.push(id);
      return get(id);
    };
    await worker.outbox.drain({ recheckWaiting: false });
    assert.equal(read.length, 0, 'a kicked pass leaves the waiting alert alone');

    await worker.references.recordActivity({ ...personalActivity(connector, partnerChat), type: 'installationUpdate', action: 'add' }, partner());
    worker.outbox.noteReachable();
    await worker.outbox.drain({ recheckWaiting: false });
    await worker.outbox.idle();
    assert.ok(read.includes(claim.id));
    assert.equal(connector.delivered(':submission-receipt:partner').length, 1);
  });

  it('an alert nobody can be reached for goes to the fallback, else is dead-lettered after the limit', async () => {
    await worker.outbox.stop();
    const asked: string[] = [];
    const mailed: string[] = [];
    const fallback = mailFallback(async (alert, recipient) => void mailed.push(`${alert.kind} to ${recipient}`));
    worker = await openWorker(harness, {
      references: worker.references,
      fallback: { ...fallback, recipients: (alert) => (asked.push(alert.kind), fallback.recipients(alert)) },
    });
    await worker.references.removeForUninstall(personalActivity(connector, reviewerChat));
    const claim = await claimAt(harness, 'Approved');
    await deliverAll(worker, harness);
    const outbox = (await harness.repository.get(claim.id))!.outbox;
    assert.equal(outbox.find((alert) => alert.kind === 'consent-notice')?.state, 'sent', 'the customer was reached by the fallback');
    assert.equal(outbox.find((alert) => alert.kind === 'claim-submitted')?.state, 'pending', 'reviewers: waits within the limit');
    assert.ok(asked.includes('consent-notice') && asked.includes('claim-submitted'));
    assert.deepEqual(mailed, ['consent-notice to dana@fabrikam.com']);

    // After UNDELIVERABLE_AFTER_HOURS it becomes a dead letter.
    await worker.outbox.stop();
    worker = await openWorker(harness, { references: worker.references, settings: testSettings({ undeliverableAfterMs: 0 }) });
    await deliverAll(worker, harness);
    const after = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'claim-submitted')!;
    assert.equal(after.state, 'dead');
    assert.match(after.lastError ?? '', /undeliverable: no reviewer channel/);
  });

  it('the consent mail goes off the pass: a mailbox that hangs holds back no Teams alert', async () => {
    await worker.outbox.stop();
    let answerMail: () => void = () => undefined;
    const mailing: string[] = [];
    const hangingMail = mailFallback(async (alert) => {
      mailing.push(alert.claimId);
      await new Promise<void>((resolve) => (answerMail = resolve));
    });
    worker = await openWorker(harness, { references: worker.references, fallback: hangingMail });
    const approved = await claimAt(harness, 'Approved');
    const passes = [worker.outbox.drain()];
    await until(() => mailing.length === 1, 'the consent mail was never sent');
    assert.equal(worker.outbox.health().fallbackQueued, 1, 'the health figure shows the mail queued');

    // While that mail hangs, a partner's new claim is received and its receipt arrives.
    const submitted = await claimAt(
      harness,
      'Submitted',
      m365Details({ customerTenantId: '44444444-0000-4000-8000-000000000000', customerDomain: 'other.onmicrosoft.com' }),
    );
    passes.push(worker.outbox.drain());
    const receipt = () => connector.delivered(':submission-receipt:partner').filter((request) => JSON.stringify(request.body).includes(submitted.id));
    try {
      await until(() => receipt().length === 1, 'the receipt waited for the mail');
    } finally {
      answerMail();
    }
    await Promise.all(passes);
    await worker.outbox.idle();
    const notice = (await harness.repository.get(approved.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;
    assert.equal(notice.state, 'sent');
    assert.deepEqual(mailing, [approved.id]);
    assert.equal(worker.outbox.health().fallbackQueued, 0);
  });

  it('a claim whose consent mail is queued is checked against the store on its turn, once a minute, not at every poll', async () => {
    await worker.outbox.stop();
    const time = new VirtualTime(MONDAY.getTime());
    let answerMail: () => void = () => undefined;
    const mailing: string[] = [];
    const hangingMail = mailFallback(async (alert) => {
      mailing.push(alert.claimId);
      await new Promise<void>((resolve) => (answerMail = resolve));
    });
    // The claims each poll's check asks the store about, in order.
    const checked: string[][] = [];
    const claims = Object.create(harness.service) as typeof harness.service;
    claims.checkHeldAlerts = async (held, options) => {
      checked.push(options.claims ? [...options.claims] : [...held.keys()]);
      return harness.service.checkHeldAlerts(held, options);
    };
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: time });
    const settings = testSettings({ pollIntervalMs: 5000 });
    worker = await openWorker(harness, { references: worker.references, documents, claims, clock: time, fallback: hangingMail, settings });
    const approved = await claimAt(harness, 'Approved');

    worker.outbox.start();
    let first = 0;
    try {
      // Its alerts to Teams are checked at every poll until they are sent; then only the mail is left.
      const toTeamsSent = async () =>
        (await harness.repository.get(approved.id))!.outbox.every((alert) => alert.kind === 'consent-notice' || alert.state === 'sent');
      for (const giveUpAt = Date.now() + 5000; !(await toTeamsSent());) {
        assert.ok(Date.now() < giveUpAt, 'the alerts to Teams were not sent');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await until(() => mailing.length === 1, 'the mail was not begun');
      first = checked.length;
      await until(() => checked.length >= first + 25, 'fewer than 25 polls');
    } finally {
      answerMail();
    }
    // 25 polls 5 s apart, two minutes, with only the mail queued: the claim's turn came twice.
    const polls = checked.slice(first, first + 25).filter((ids) => ids.includes(approved.id)).length;
    assert.ok(polls >= 2 && polls <= 4, `the claim was checked at ${polls} of 25 polls`);
    await until(() => worker.outbox.health().fallbackQueued === 0, 'the mail never went');
  });

  it('a consent notice to two contacts that fails for the second is tried again for the second only', async () => {
    await worker.outbox.stop();
    const attempts: string[] = [];
    let failNext = true;
    const mail = mailFallback(async (_alert, recipient) => {
      attempts.push(recipient);
      if (recipient === 'tech@fabrikam.com' && failNext) {
        failNext = false;
        throw new Error('sendMail failed: 503');
      }
    });
    worker = await openWorker(harness, { references: worker.references, fallback: mail });
    const claim = await claimAt(harness, 'Approved', bizAppsDetails());
    await worker.outbox.drain();
    await worker.outbox.idle();
    assert.deepEqual(attempts, ['dana@fabrikam.com', 'tech@fabrikam.com']);
    harness.clock.advance(testSettings().backoffMaxMs);
    await deliverAll(worker, harness);
    assert.deepEqual(attempts, ['dana@fabrikam.com', 'tech@fabrikam.com', 'tech@fabrikam.com'], 'Dana is not mailed twice');
    const notice = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;
    assert.deepEqual({ state: notice.state, attempts: notice.attempts }, { state: 'sent', attempts: 2 });
  });

  it('a mail that was being sent when the process stopped is not sent again (at most once)', async () => {
    await worker.outbox.stop();
    const claim = await claimAt(harness, 'Approved', bizAppsDetails());
    const dedupeKey = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!.dedupeKey;
    // The journal as a process left it that stopped mid-send to Dana.
    const journal = await DeliveryJournal.open(new FileDocumentStore({ dataDir: harness.dataDir, clock: harness.clock }), {
      retentionMs: 86_400_000,
      clock: harness.clock,
    });
    await journal.record(dedupeKey, 'mail:dana@fabrikam.com', 'sending');
    await journal.close();

    const mailed: string[] = [];
    worker = await openWorker(harness, { references: worker.references, fallback: mailFallback(async (_alert, recipient) => void mailed.push(recipient)) });
    await deliverAll(worker, harness);
    assert.deepEqual(mailed, ['tech@fabrikam.com']);
    const notice = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;
    assert.equal(notice.state, 'sent');
    assert.match(notice.lastError ?? '', /uncertain: the process stopped while mailing dana@fabrikam.com/);
    assert.equal(worker.outbox.health().uncertain, 1);
  });

  it('a fallback that fails (the mail service refused) is tried again after a back-off, counted, and given up on at the limit', async () => {
    await worker.outbox.stop();
    let failures = 2;
    const tried: string[] = [];
    const mailed: string[] = [];
    const flakyMail = mailFallback(async (alert: Alert) => {
      tried.push(alert.id);
      if (failures > 0) {
        failures -= 1;
        throw new Error('sendMail failed: 429 throttled');
      }
      mailed.push(alert.id);
    });
    worker = await openWorker(harness, { references: worker.references, fallback: flakyMail });
    const claim = await claimAt(harness, 'Approved');
    const consentNotice = async () => (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;

    await worker.outbox.drain();
    await worker.outbox.idle();
    assert.equal(tried.length, 1);
    assert.deepEqual({ state: (await consentNotice()).state, attempts: (await consentNotice()).attempts }, { state: 'pending', attempts: 1 });
    assert.match((await consentNotice()).lastError ?? '', /the fallback failed: sendMail failed: 429 throttled/);
    await worker.outbox.drain();
    await worker.outbox.idle();
    assert.equal(tried.length, 1, 'not again before the back-off has passed');

    for (let round = 0; round < 2; round += 1) {
      harness.clock.advance(testSettings().backoffMaxMs);
      await worker.outbox.drain();
      await worker.outbox.idle();
    }
    assert.equal(tried.length, 3);
    assert.deepEqual(mailed, [tried[0]], 'mailed once, on the third try');
    assert.deepEqual({ state: (await consentNotice()).state, attempts: (await consentNotice()).attempts }, { state: 'sent', attempts: 3 });

    // A mail service that keeps failing: a dead letter after the attempts allowed, not a wait for ever.
    await worker.outbox.stop();
    failures = Number.POSITIVE_INFINITY;
    worker = await openWorker(harness, { references: worker.references, fallback: flakyMail, settings: testSettings({ maxAttempts: 3 }) });
    const second = await claimAt(
      harness,
      'Approved',
      m365Details({ customerTenantId: '22222222-0000-4000-8000-000000000000', customerDomain: 'second.onmicrosoft.com' }),
    );
    for (let round = 0; round < 4; round += 1) {
      await worker.outbox.drain();
      await worker.outbox.idle();
      harness.clock.advance(testSettings().backoffMaxMs);
    }
    const given = (await harness.repository.get(second.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;
    assert.equal(given.state, 'dead');
    assert.match(given.lastError ?? '', /gave up after 3 attempts; last: .*the fallback failed: sendMail failed: 429 throttled/);
    assert.equal(worker.outbox.health().deadLetters, 1);
  });
});

async function until(condition: () => boolean, failure: string, withinMs = 5000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    assert.ok(performance.now() - started < withinMs, failure);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
