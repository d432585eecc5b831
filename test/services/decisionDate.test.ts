import assert from 'node:assert/strict';
import { BusinessCalendar } from '../../services/businessCalendar.js';
import { claimAt, createHarness, m365Details, partner, reviewer, type Harness } from '../support/serviceHarness.js';

// The overall decision date of SPEC section 3, on a fixed clock: 10 business days after submission
// plus the business time the claim waited in PartnerActionRequired.

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('overall decision date', () => {
  let harness: Harness;
  afterEach(async () => harness?.cleanup());

  it('counts business time on weekdays only, in the calendar zone', () => {
    const calendar = new BusinessCalendar('UTC', ['2026-11-26']);
    // Friday 12:00 to Monday 12:00: Friday's twelve hours and Monday's twelve.
    assert.equal(calendar.businessTimeBetween(new Date('2026-11-20T12:00:00Z'), new Date('2026-11-23T12:00:00Z')), DAY);
    // A holiday inside counts nothing.
    assert.equal(calendar.businessTimeBetween(new Date('2026-11-25T00:00:00Z'), new Date('2026-11-27T00:00:00Z')), DAY);
    assert.equal(calendar.businessTimeBetween(new Date('2026-11-27T00:00:00Z'), new Date('2026-11-25T00:00:00Z')), 0);
  });

  it('is 10 business days after submission while the claim is submitted and in review', async () => {
    harness = await createHarness();
    // Submitted Monday 2026-11-23 09:00 UTC: ten business days later is Monday 2026-12-07 09:00.
    const submitted = await claimAt(harness, 'Submitted');
    assert.equal(submitted.decisionDue, '2026-12-07T09:00:00.000Z');
    harness.clock.advance(2 * HOUR);
    const inReview = await harness.service.startReview(reviewer(), submitted.id, submitted.version);
    assert.equal(inReview.decisionDue, '2026-12-07T09:00:00.000Z');
    const approved = await harness.service.approve(reviewer(), inReview.id, inReview.version);
    assert.equal(approved.decisionDue, undefined, 'decided: no date left to promise');
  });

  it('moves by the business time spent waiting for the partner, through a request for information', async () => {
    harness = await createHarness();
    const draft = await claimAt(harness, 'Draft');
    const submitted = await harness.service.submit(partner(), draft.id, draft.version);
    const inReview = await harness.service.startReview(reviewer(), submitted.id, submitted.version);
    // Asked on Tuesday 2026-11-24 09:00: while waiting the date counts the whole response time
    // (respond by Tuesday 2026-12-01 09:00, five business days), so it is the latest date.
    harness.clock.set('2026-11-24T09:00:00.000Z');
    const asked = await harness.service.requestInformation(reviewer(), inReview.id, inReview.version, {
      reasons: ['missing-all-poe'],
      comment: 'Attach the PoE.',
    });
    assert.equal(asked.deadlines.partnerResponse, '2026-12-01T09:00:00.000Z');
    assert.equal(asked.decisionDue, '2026-12-14T09:00:00.000Z');
    // The partner answers on Friday 2026-11-27 15:00: 3 days 6 hours of business time waited,
    // so the date is 2026-12-07 09:00 plus that: Thursday 2026-12-10 15:00.
    harness.clock.set('2026-11-27T15:00:00.000Z');
    const resubmitted = await harness.service.resubmit(partner(), asked.id, asked.version, {});
    assert.equal(resubmitted.status, 'InReview');
    assert.equal(resubmitted.decisionDue, '2026-12-10T15:00:00.000Z');
    // A weekend of waiting adds nothing: asked Friday 18:00, answered Monday 06:00 adds 12 hours.
    harness.clock.set('2026-11-27T18:00:00.000Z');
    const again = await harness.service.requestInformation(reviewer(), resubmitted.id, resubmitted.version, {
      reasons: ['missing-products'],
      comment: 'Name the products.',
    });
    harness.clock.set('2026-11-30T06:00:00.000Z');
    const answered = await harness.service.resubmit(partner(), again.id, again.version, {});
    assert.equal(answered.decisionDue, '2026-12-11T03:00:00.000Z');
  });

  it('is not shown after a dispute: the dispute decision SLA applies', async () => {
    harness = await createHarness();
    const disputed = await claimAt(harness, 'Disputed', m365Details({ workloads: ['Viva'] }));
    assert.equal(disputed.decisionDue, undefined);
  });
});

describe('overall decision date: reviewers are alerted', () => {
  let harness: Harness;
  afterEach(async () => harness?.cleanup());

  it('one business day before and when it is missed, once each, and not while the partner is asked', async () => {
    harness = await createHarness();
    const submitted = await claimAt(harness, 'Submitted');
    const started = await harness.service.startReview(reviewer(), submitted.id, submitted.version);
    const decisionTimers = (claim: { timers: { deadline: string; kind: string; dueAt: string }[] }) =>
      claim.timers.filter((timer) => timer.deadline === 'decision').map((timer) => `${timer.kind}@${timer.dueAt}`);
    assert.deepEqual(decisionTimers(started), ['due@2026-12-07T09:00:00.000Z', 'near@2026-12-04T09:00:00.000Z']);

    // Paused while the partner is asked; rescheduled, later, once they answer.
    harness.clock.set('2026-11-24T09:00:00.000Z');
    const asked = await harness.service.requestInformation(reviewer(), started.id, started.version, {
      reasons: ['missing-products'],
      comment: 'Name the products.',
    });
    assert.deepEqual(decisionTimers(asked), []);
    harness.clock.set('2026-11-25T09:00:00.000Z');
    const answered = await harness.service.resubmit(partner(), asked.id, asked.version, {});
    assert.equal(answered.decisionDue, '2026-12-08T09:00:00.000Z');
    assert.deepEqual(decisionTimers(answered), ['due@2026-12-08T09:00:00.000Z', 'near@2026-12-07T09:00:00.000Z']);

    const fired = await harness.service.tick(new Date('2026-12-08T09:00:00.000Z'));
    const decision = fired.filter((firing) => firing.deadline === 'decision').map((firing) => `${firing.kind}:${firing.outcome}`);
    assert.deepEqual(decision, ['near:superseded', 'due:alerted']);
    const outbox = (await harness.repository.get(answered.id))!.outbox;
    const overdue = outbox.filter((alert) => alert.kind === 'review-sla-overdue' && alert.data.deadlineName === 'decision');
    assert.equal(overdue.length, 1);
    assert.equal(overdue[0]!.to, 'reviewers');
    assert.equal(overdue[0]!.data.deadline, '2026-12-08T09:00:00.000Z');
    assert.deepEqual(await harness.service.tick(new Date('2026-12-08T09:00:00.000Z')), []);
  });
});
