import assert from 'node:assert/strict';
import type { Alert, Claim } from '../../services/model.js';
import { claimAt, createHarness, m365Details, partner, reviewer, type Harness } from '../support/serviceHarness.js';

// Timers fire through tick(now) with an injected clock: never early, exactly once, in deadline
// order, and with the lifecycle's outcome (SPEC section 3, timers; section 7, catch-up).

const DAY = 24 * 60 * 60 * 1000;
const ms = (iso: string | undefined): number => Date.parse(iso ?? 'missing');

async function outbox(harness: Harness, claimId: string): Promise<Alert[]> {
  return (await harness.repository.get(claimId))!.outbox;
}

async function kinds(harness: Harness, claimId: string): Promise<string[]> {
  return (await outbox(harness, claimId)).map((alert) => `${alert.kind}->${alert.to}`);
}

describe('timers', () => {
  let harness: Harness;
  afterEach(async () => harness.cleanup());

  describe('review start SLA', () => {
    let claim: Claim;
    beforeEach(async () => {
      harness = await createHarness();
      claim = await claimAt(harness, 'Submitted');
    });

    it('is five business days after submission, with a reminder one business day before', () => {
      assert.equal(claim.deadlines.reviewStart, '2026-11-30T09:00:00.000Z');
      const near = claim.timers.find((timer) => timer.kind === 'near');
      assert.equal(near?.dueAt, '2026-11-27T09:00:00.000Z');
    });

    it('fires nothing a millisecond early, once at the instant, nothing on a second tick', async () => {
      const before = await kinds(harness, claim.id);
      assert.deepEqual(await harness.service.tick(new Date(ms('2026-11-27T09:00:00.000Z') - 1)), []);
      assert.deepEqual(await kinds(harness, claim.id), before);

      const near = await harness.service.tick(new Date('2026-11-27T09:00:00.000Z'));
      assert.deepEqual(
        near.map((firing) => [firing.deadline, firing.kind, firing.outcome]),
        [['reviewStart', 'near', 'alerted']],
      );
      assert.deepEqual(await kinds(harness, claim.id), [...before, 'review-sla-near->reviewers']);
      assert.deepEqual(await harness.service.tick(new Date('2026-11-27T09:00:00.000Z')), []);

      assert.deepEqual(await harness.service.tick(new Date(ms(claim.deadlines.reviewStart) - 1)), []);
      const due = await harness.service.tick(new Date(claim.deadlines.reviewStart!));
      assert.deepEqual(
        due.map((firing) => [firing.deadline, firing.kind, firing.outcome]),
        [['reviewStart', 'due', 'alerted']],
      );
      assert.deepEqual(await harness.service.tick(new Date(ms(claim.deadlines.reviewStart) + DAY)), []);
      assert.deepEqual(await kinds(harness, claim.id), [...before, 'review-sla-near->reviewers', 'review-sla-overdue->reviewers']);
    });

    it('an overdue reminder does not change the claim a reviewer is looking at', async () => {
      await harness.service.tick(new Date(claim.deadlines.reviewStart!));
      const after = await harness.service.get(reviewer(), claim.id);
      assert.equal(after.version, claim.version);
      assert.equal(after.history.length, claim.history.length);
      await harness.service.startReview(reviewer(), claim.id, claim.version);
    });

    it('a review started in time cancels the review-start timers', async () => {
      await harness.service.startReview(reviewer(), claim.id, claim.version);
      const fired = await harness.service.tick(new Date(ms(claim.deadlines.reviewStart) + 1));
      assert.ok(
        fired.every((firing) => firing.deadline !== 'reviewStart'),
        JSON.stringify(fired),
      );
    });
  });

  it('no partner response: reminder the business day before, then Rejected at the deadline', async () => {
    harness = await createHarness();
    const claim = await claimAt(harness, 'PartnerActionRequired');
    const respondBy = claim.deadlines.partnerResponse!;
    assert.equal(respondBy, '2026-11-30T09:00:00.000Z');

    await harness.service.tick(new Date('2026-11-27T09:00:00.000Z'));
    const reminders = (await outbox(harness, claim.id)).filter((alert) => alert.kind === 'deadline-near');
    assert.equal(reminders.length, 1);
    assert.equal(reminders[0]!.to, 'partner');
    assert.equal(reminders[0]!.data.deadline, respondBy);

    await harness.service.tick(new Date(ms(respondBy) - 1));
    assert.equal((await harness.service.get(partner(), claim.id)).status, 'PartnerActionRequired');

    await harness.service.tick(new Date(respondBy));
    const rejected = await harness.service.get(partner(), claim.id);
    assert.equal(rejected.status, 'Rejected');
    assert.deepEqual(rejected.rejection, { reason: 'no-partner-response', at: respondBy, final: false });
    assert.equal(rejected.version, claim.version + 1);
    const last = rejected.history.at(-1)!;
    assert.deepEqual(
      [last.actorId, last.role, last.action, last.fromStatus, last.toStatus],
      ['system', 'system', 'partnerResponseLapse', 'PartnerActionRequired', 'Rejected'],
    );
    assert.equal(rejected.deadlines.disputeWindow, new Date(ms(respondBy) + 30 * DAY).toISOString());
    const rejections = (await outbox(harness, claim.id)).filter((alert) => alert.kind === 'rejected');
    assert.equal(rejections.length, 1);
    assert.equal(rejections[0]!.to, 'partner');

    await harness.service.tick(new Date(ms(respondBy) + 1000));
    assert.equal((await outbox(harness, claim.id)).filter((alert) => alert.kind === 'rejected').length, 1);
  });

  it('the consent window lapses into associated and tells the partner once', async () => {
    harness = await createHarness();
    const claim = await claimAt(harness, 'Approved');
    const closes = claim.deadlines.consentWindow!;
    assert.equal(closes, '2026-11-30T09:00:00.000Z');
    await harness.service.tick(new Date(ms(closes) - 1));
    assert.equal((await harness.service.get(partner(), claim.id)).consentPhase, 'window-open');
    await harness.service.tick(new Date(closes));
    await harness.service.tick(new Date(closes));
    const associated = await harness.service.get(partner(), claim.id);
    assert.equal(associated.status, 'Approved');
    assert.equal(associated.consentPhase, 'associated');
    assert.equal((await outbox(harness, claim.id)).filter((alert) => alert.kind === 'associated').length, 1);
  });

  it('the dispute window reminds 7 and 1 days before, then closes and frees the key', async () => {
    harness = await createHarness();
    const claim = await claimAt(harness, 'Rejected');
    const closes = ms(claim.deadlines.disputeWindow);
    assert.equal(closes, ms(claim.statusSince) + 30 * DAY);

    const firings = [...(await harness.service.tick(new Date(closes - 7 * DAY))), ...(await harness.service.tick(new Date(closes - DAY)))];
    assert.deepEqual(
      firings.map((firing) => [firing.kind, firing.outcome]),
      [
        ['near', 'alerted'],
        ['near', 'alerted'],
      ],
    );
    assert.equal((await outbox(harness, claim.id)).filter((alert) => alert.kind === 'deadline-near').length, 2);

    // While the claim can still be disputed it is active: a new claim on the same key is a duplicate.
    const second = await harness.service.create(partner(), m365Details());
    await harness.service.addPoe(partner(), second.id, second.version, {
      name: 'poe.pdf',
      contentType: 'application/pdf',
      size: 10,
      sha256: 'b'.repeat(64),
      storagePath: 'poe/poe.pdf',
    });
    await assert.rejects(harness.service.submit(partner(), second.id, second.version + 1), { code: 'duplicate-claim' });

    await harness.service.tick(new Date(closes));
    const closed = await harness.service.get(partner(), claim.id);
    assert.equal(closed.disputeWindowClosed, true);
    await assert.rejects(harness.service.dispute(partner(), claim.id, closed.version, { justification: 'late' }), { code: 'window-closed' });
    const submitted = await harness.service.submit(partner(), second.id, second.version + 1);
    assert.equal(submitted.status, 'Submitted');
  });

  it('after 40 days of downtime fires every overdue timer once, in deadline order', async () => {
    harness = await createHarness();
    const details = (workload: 'Teams' | 'Viva' | 'Intune' | 'Defender') => m365Details({ workloads: [workload] });
    const submitted = await claimAt(harness, 'Submitted', details('Teams'));
    harness.clock.advance(DAY);
    const waiting = await claimAt(harness, 'PartnerActionRequired', details('Viva'));
    harness.clock.advance(DAY);
    const approved = await claimAt(harness, 'Approved', details('Intune'));
    harness.clock.advance(DAY);
    const rejected = await claimAt(harness, 'Rejected', details('Defender'));

    const restarted = await harness.restart();
    harness = restarted;
    const now = new Date(MONDAY_PLUS(40));
    const fired = await harness.service.tick(now);

    const dueTimes = fired.map((firing) => ms(firing.dueAt));
    assert.deepEqual(
      dueTimes,
      [...dueTimes].sort((a, b) => a - b),
      'fired in deadline order',
    );
    const identities = fired.map((firing) => `${firing.claimId}/${firing.deadline}/${firing.kind}/${firing.dueAt}`);
    assert.equal(new Set(identities).size, identities.length, 'each timer once');
    const outcome = (claimId: string) =>
      fired.filter((firing) => firing.claimId === claimId).map((firing) => `${firing.deadline}:${firing.kind}:${firing.outcome}`);

    assert.deepEqual(outcome(submitted.id), ['reviewStart:near:superseded', 'reviewStart:due:alerted', 'decision:near:superseded', 'decision:due:alerted']);
    // The escalation to the partner's incentives admins is due with the reminder; the lapse says it all now.
    assert.deepEqual(outcome(waiting.id), ['partnerResponse:near:superseded', 'partnerResponse:escalate:superseded', 'partnerResponse:due:transitioned']);
    assert.deepEqual(outcome(approved.id), ['consentWindow:due:transitioned']);
    assert.deepEqual(outcome(rejected.id), ['disputeWindow:near:superseded', 'disputeWindow:near:superseded', 'disputeWindow:due:closed']);

    assert.equal((await harness.service.get(partner(), waiting.id)).status, 'Rejected');
    assert.equal((await harness.service.get(partner(), approved.id)).consentPhase, 'associated');
    assert.equal((await harness.service.get(partner(), rejected.id)).disputeWindowClosed, true);
    // The partner rejected during the downtime keeps a full dispute window from when they are told.
    const late = await harness.service.get(partner(), waiting.id);
    assert.equal(late.deadlines.disputeWindow, new Date(now.getTime() + 30 * DAY).toISOString());

    assert.deepEqual(await harness.service.tick(now), []);
    const overdue = (await outbox(harness, submitted.id)).filter((alert) => alert.kind === 'review-sla-overdue');
    assert.deepEqual(
      overdue.map((alert) => alert.data.deadlineName),
      ['reviewStart', 'decision'],
      'once each',
    );
    assert.equal((await outbox(harness, submitted.id)).filter((alert) => alert.kind === 'review-sla-near').length, 0);
  });

  it('two ticks at once fire each timer once', async () => {
    harness = await createHarness();
    const claims = [];
    for (const workload of ['Teams', 'Viva', 'Intune', 'Defender', 'Exchange'] as const) {
      claims.push(await claimAt(harness, 'Approved', m365Details({ workloads: [workload] })));
    }
    const at = new Date(claims[0]!.deadlines.consentWindow!);
    const [first, second] = await Promise.all([harness.service.tick(at), harness.service.tick(at)]);
    assert.equal(first.length + second.length, 5);
    for (const claim of claims) {
      assert.equal((await outbox(harness, claim.id)).filter((alert) => alert.kind === 'associated').length, 1);
    }
  });

  it('every timer alert has a dedupe key unique to its timer', async () => {
    harness = await createHarness();
    const claim = await claimAt(harness, 'Rejected');
    await harness.service.tick(new Date(ms(claim.deadlines.disputeWindow) - DAY));
    await harness.service.tick(new Date(ms(claim.deadlines.disputeWindow) - 7 * DAY));
    const keys = (await outbox(harness, claim.id)).map((alert) => alert.dedupeKey);
    assert.equal(new Set(keys).size, keys.length);
  });
});

function MONDAY_PLUS(days: number): number {
  return Date.parse('2026-11-23T09:00:00.000Z') + days * DAY;
}
