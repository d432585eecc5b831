import assert from 'node:assert/strict';
import { BusinessCalendar } from '../../services/businessCalendar.js';
import { ratesByProgram, slaAttainment, statusByDay, staysOf, timeInStatus, workloadOf, type SlaKind } from '../../services/claimStatistics.js';
import { nextDeadline, pageOf, tableOf } from '../../services/claimTable.js';
import type { Claim } from '../../services/model.js';
import { bizAppsDetails, createHarness, m365Details, partner, poeFile, reviewer, type Harness } from '../support/serviceHarness.js';

// The tab's statistics and table, as pure functions over claims made through the real service on
// a clock moved by hand, so every figure is known in advance.

const HOUR = 3_600_000;
const calendar = new BusinessCalendar('UTC');
const dueAfter = (_kind: SlaKind, start: Date) => calendar.addBusinessDays(start, 5);

describe('claim statistics and the claims table (services)', () => {
  let harness: Harness;
  let fast: Claim;
  let slow: Claim;
  let waiting: Claim;

  before(async () => {
    harness = await createHarness({ start: new Date('2026-11-02T08:00:00.000Z') });
    const { service, clock } = harness;
    const submitted = async (details = m365Details()) => {
      let claim = await service.create(partner(), details);
      claim = await service.addPoe(partner(), claim.id, claim.version, poeFile());
      return service.submit(partner(), claim.id, claim.version);
    };
    // Monday 2 Nov 08:00: three claims submitted.
    fast = await submitted();
    slow = await submitted(bizAppsDetails());
    waiting = await submitted(m365Details({ customerDomain: 'waiting.onmicrosoft.com', workloads: ['Intune'] }));
    // Tuesday 3 Nov 08:00: the fast one is picked up; approved 12 hours later.
    clock.set('2026-11-03T08:00:00.000Z');
    fast = await service.startReview(reviewer(), fast.id, fast.version);
    clock.set('2026-11-03T20:00:00.000Z');
    fast = await service.approve(reviewer(), fast.id, fast.version);
    // Monday 16 Nov 08:00: the slow one is picked up two weeks late by another reviewer, who asks for information.
    clock.set('2026-11-16T08:00:00.000Z');
    slow = await service.startReview(reviewer('reviewer-2'), slow.id, slow.version);
    clock.set('2026-11-16T10:00:00.000Z');
    slow = await service.requestInformation(reviewer('reviewer-2'), slow.id, slow.version, { reasons: ['missing-products'], comment: 'Which products?' });
  });
  after(() => harness.cleanup());

  const claims = () => [fast, slow, waiting];

  it('reads the stays of a claim from its history', () => {
    assert.deepEqual(
      staysOf(fast).map((stay) => [stay.status, stay.endedBy?.action]),
      [
        ['Draft', 'submit'],
        ['Submitted', 'startReview'],
        ['InReview', 'approve'],
        ['Approved', undefined],
      ],
    );
  });

  it('counts the claims in each status at the end of every day', () => {
    const days = statusByDay(claims(), { from: '2026-11-01', to: '2026-11-04' });
    assert.deepEqual(days, [
      { day: '2026-11-01', counts: {} },
      { day: '2026-11-02', counts: { Submitted: 3 } },
      { day: '2026-11-03', counts: { Approved: 1, Submitted: 2 } },
      { day: '2026-11-04', counts: { Approved: 1, Submitted: 2 } },
    ]);
    assert.deepEqual(statusByDay(claims(), { from: '2026-11-16', to: '2026-11-16' })[0]!.counts, { Approved: 1, PartnerActionRequired: 1, Submitted: 1 });
  });

  it('averages the time in each status over the stays that ended in the range', () => {
    assert.deepEqual(timeInStatus(claims(), { from: '2026-11-01', to: '2026-11-30' }), [
      { status: 'Submitted', stays: 2, averageMs: (24 * HOUR + 14 * 24 * HOUR) / 2 },
      { status: 'InReview', stays: 2, averageMs: (12 * HOUR + 2 * HOUR) / 2 },
    ]);
    // Only the fast claim's stays ended in the first week.
    assert.deepEqual(timeInStatus(claims(), { from: '2026-11-01', to: '2026-11-07' }), [
      { status: 'Submitted', stays: 1, averageMs: 24 * HOUR },
      { status: 'InReview', stays: 1, averageMs: 12 * HOUR },
    ]);
  });

  it('measures SLA attainment: met, missed (late or still waiting past due) and pending', () => {
    const now = new Date('2026-11-16T10:00:00.000Z');
    assert.deepEqual(slaAttainment(claims(), { from: '2026-11-01', to: '2026-11-30' }, now, dueAfter), [
      // fast started in a day; slow two weeks late; waiting is still waiting, past its due date.
      { kind: 'reviewStart', met: 1, missed: 2, pending: 0, rate: 1 / 3 },
      { kind: 'reviewDecision', met: 2, missed: 0, pending: 0, rate: 1 },
    ]);
    // The day after submission, the claim still waiting is pending, not missed.
    const early = slaAttainment([waiting], { from: '2026-11-01', to: '2026-11-30' }, new Date('2026-11-03T09:00:00.000Z'), dueAfter);
    assert.deepEqual([early[0]!.pending, early[0]!.missed], [1, 0]);
    assert.deepEqual(slaAttainment([], { from: '2026-11-01', to: '2026-11-30' }, now, dueAfter)[0], {
      kind: 'reviewStart',
      met: 0,
      missed: 0,
      pending: 0,
      rate: null,
    });
  });

  it('gives approval and information-request rates by program', () => {
    assert.deepEqual(ratesByProgram(claims(), { from: '2026-11-01', to: '2026-11-30' }), [
      { program: 'OSU-BizApps', reviewed: 1, approved: 0, rejected: 0, informationRequested: 1, approvalRate: null, informationRequestRate: 1 },
      { program: 'OSU-M365', reviewed: 1, approved: 1, rejected: 0, informationRequested: 0, approvalRate: 1, informationRequestRate: 0 },
    ]);
    assert.deepEqual(
      ratesByProgram(claims(), { from: '2026-11-10', to: '2026-11-30' }).map((rates) => rates.program),
      ['OSU-BizApps'],
    );
  });

  it("lists a reviewer's workload from the history entries with their id", () => {
    assert.deepEqual(
      workloadOf(claims(), 'reviewer-1').map((item) => [item.claimId, item.actions, item.lastAction]),
      [[fast.id, 2, 'approve']],
    );
    assert.deepEqual(
      workloadOf(claims(), 'reviewer-2').map((item) => [item.claimId, item.actions, item.lastAction]),
      [[slow.id, 2, 'requestInformation']],
    );
  });

  it('filters, sorts (missing deadlines last) and pages the claims table', () => {
    assert.equal(nextDeadline(waiting), waiting.deadlines.reviewStart);
    // Review start due Mon 9 Nov, consent window ends Tue 10 Nov, response due Mon 23 Nov; a claim without deadlines last.
    const undated: Claim = { ...waiting, id: 'CPOR-2026-999999', deadlines: {}, decisionDue: undefined };
    const rows = [undated, ...claims()];
    assert.deepEqual(
      tableOf(rows, {}, { sort: 'deadline', direction: 'asc' }).map((claim) => claim.id),
      [waiting.id, fast.id, slow.id, undated.id],
    );
    assert.deepEqual(
      tableOf(rows, {}, { sort: 'deadline', direction: 'desc' }).map((claim) => claim.id),
      [slow.id, fast.id, waiting.id, undated.id],
    );
    assert.deepEqual(
      tableOf(claims(), { statuses: ['Submitted'] }, { sort: 'id', direction: 'asc' }).map((claim) => claim.id),
      [waiting.id],
    );
    assert.deepEqual(
      tableOf(claims(), { customer: 'WAITING' }, { sort: 'id', direction: 'asc' }).map((claim) => claim.id),
      [waiting.id],
    );
    assert.deepEqual(
      tableOf(claims(), { program: 'OSU-BizApps' }, { sort: 'id', direction: 'asc' }).map((claim) => claim.id),
      [slow.id],
    );
    const page = pageOf([1, 2, 3, 4, 5], 3, 2);
    assert.deepEqual(page, { total: 5, page: 3, pageSize: 2, rows: [5] });
    assert.equal(pageOf([1, 2], 9, 2).page, 1, 'a page past the end is the last page');
  });
});
