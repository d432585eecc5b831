import assert from 'node:assert/strict';
import { createPolicy } from '../../services/policy.js';
import { programName, solutionAreaName } from '../../services/catalogue.js';
import { claimAt, createHarness, customer, m365Details, partner, reviewer, type Harness } from '../support/serviceHarness.js';

// The two presets of SPEC section 3, on the same journeys: only the timers and rules differ.

describe('policy presets', () => {
  let harness: Harness;
  afterEach(async () => harness?.cleanup());

  it('defaults to the seed policy in UTC', () => {
    const policy = createPolicy();
    assert.equal(policy.name, 'seed-2020');
    assert.equal(policy.timeZone, 'UTC');
    assert.deepEqual(Object.fromEntries(Object.entries(policy.timers).map(([name, rule]) => [name, `${rule.length} ${rule.unit}`])), {
      reviewStart: '5 business-days',
      reviewDecision: '5 business-days',
      partnerResponse: '5 business-days',
      consentWindow: '5 business-days',
      disputeWindow: '30 calendar-days',
      disputeDecision: '5 business-days',
      decision: '10 business-days',
    });
  });

  it('refuses an unknown preset, time zone or holiday', () => {
    assert.throws(() => createPolicy({ name: 'portal-2019' as never }));
    assert.throws(() => createPolicy({ timeZone: 'Europe/Atlantis' }), /IANA/);
    assert.throws(() => createPolicy({ holidays: ['2026-02-30'] }));
  });

  for (const [name, reviewDays, responseDays] of [
    ['seed-2020', '2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00.000Z'],
    ['partner-center-2023', '2026-12-11T09:00:00.000Z', '2026-12-11T09:00:00.000Z'],
  ] as const) {
    it(`${name}: review SLA and partner response deadlines`, async () => {
      harness = await createHarness({ policy: name });
      const submitted = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      assert.equal(submitted.deadlines.reviewStart, reviewDays);
      const waiting = await claimAt(harness, 'PartnerActionRequired', m365Details({ workloads: ['Viva'] }));
      assert.equal(waiting.deadlines.partnerResponse, responseDays);
      const approved = await claimAt(harness, 'Approved', m365Details({ workloads: ['Intune'] }));
      assert.equal(approved.deadlines.consentWindow, '2026-11-30T09:00:00.000Z');
    });
  }

  it('seed-2020: a submitted claim can be edited; partner-center-2023: only when information is requested', async () => {
    harness = await createHarness({ policy: 'seed-2020' });
    const seed = await claimAt(harness, 'Submitted');
    const edited = await harness.service.update(partner(), seed.id, seed.version, { partnerId: '4512346' });
    assert.equal(edited.details.partnerId, '4512346');
    await harness.cleanup();

    harness = await createHarness({ policy: 'partner-center-2023' });
    const later = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
    await assert.rejects(harness.service.update(partner(), later.id, later.version, { partnerId: '4512346' }), {
      code: 'invalid-transition',
    });
    const asked = await claimAt(harness, 'PartnerActionRequired', m365Details({ workloads: ['Viva'] }));
    const answered = await harness.service.update(partner(), asked.id, asked.version, { partnerId: '4512346' });
    assert.equal(answered.details.partnerId, '4512346');
  });

  it('partner-center-2023: the partner may disassociate an approved claim; it ends Rejected, final', async () => {
    harness = await createHarness({ policy: 'partner-center-2023' });
    const approved = await claimAt(harness, 'Associated');
    await assert.rejects(harness.service.disassociate(partner(), approved.id, approved.version, { reason: ' ' }), {
      code: 'validation',
    });
    const ended = await harness.service.disassociate(partner(), approved.id, approved.version, {
      reason: 'The customer moved to another partner.',
    });
    assert.equal(ended.status, 'Rejected');
    assert.deepEqual([ended.rejection?.reason, ended.rejection?.final], ['partner-disassociated', true]);
    await assert.rejects(harness.service.dispute(partner(), ended.id, ended.version, { justification: 'x' }), {
      code: 'invalid-transition',
    });
  });

  it('seed-2020: there is no disassociation', async () => {
    harness = await createHarness({ policy: 'seed-2020' });
    const approved = await claimAt(harness, 'Associated');
    await assert.rejects(harness.service.disassociate(partner(), approved.id, approved.version, { reason: 'No longer our customer.' }), {
      code: 'invalid-transition',
    });
  });

  it('holidays and the time zone of the policy move deadlines', async () => {
    harness = await createHarness({ holidays: ['2026-11-26', '2026-11-27'] });
    const submitted = await claimAt(harness, 'Submitted');
    assert.equal(submitted.deadlines.reviewStart, '2026-12-02T09:00:00.000Z');
    await harness.cleanup();

    // 09:00 UTC on Monday is 20:00 in Sydney: four hours of Monday count there.
    harness = await createHarness({ timeZone: 'Australia/Sydney' });
    const sydney = await claimAt(harness, 'Submitted');
    assert.equal(sydney.deadlines.reviewStart, '2026-11-30T09:00:00.000Z');
    const tokyo = createPolicy({ timeZone: 'Asia/Tokyo' });
    assert.equal(tokyo.timeZone, 'Asia/Tokyo');
  });

  it('seed-2020: the customer is told at approval and may opt out only while the window is open', async () => {
    harness = await createHarness({ policy: 'seed-2020' });
    const submitted = await claimAt(harness, 'Submitted');
    const atSubmission = (await harness.repository.get(submitted.id))!.outbox.map((alert) => alert.kind);
    assert.ok(!atSubmission.includes('consent-notice'));
    await assert.rejects(harness.service.optOut(customer(), submitted.id, submitted.version), { code: 'invalid-transition' });
    const associated = await claimAt(harness, 'Associated', m365Details({ workloads: ['Viva'] }));
    await assert.rejects(harness.service.optOut(customer(), associated.id, associated.version), { code: 'window-closed' });
  });

  it('partner-center-2023: the customer is told at submission and may decline at any time, also after approval', async () => {
    harness = await createHarness({ policy: 'partner-center-2023' });
    const submitted = await claimAt(harness, 'Submitted');
    const outbox = (await harness.repository.get(submitted.id))!.outbox;
    assert.deepEqual(
      outbox.map((alert) => `${alert.kind}>${alert.to}`),
      ['claim-submitted>reviewers', 'submission-receipt>partner', 'consent-notice>customer'],
    );
    const approved = await harness.service.approve(
      reviewer(),
      submitted.id,
      (await harness.service.startReview(reviewer(), submitted.id, submitted.version)).version,
    );
    const kinds = (await harness.repository.get(approved.id))!.outbox.map((alert) => alert.kind);
    assert.equal(kinds.filter((kind) => kind === 'consent-notice').length, 1, 'no second notice at approval');

    // Long after the consent period: still possible, and final.
    const associated = await claimAt(harness, 'Associated', m365Details({ workloads: ['Viva'] }));
    harness.clock.advance(90 * 24 * 60 * 60 * 1000);
    const declined = await harness.service.optOut(customer(), associated.id, associated.version);
    assert.equal(declined.status, 'Rejected');
    assert.deepEqual([declined.rejection?.reason, declined.rejection?.final], ['customer-declined', true]);
    assert.deepEqual(declined.terms, {
      catalogue: 'partner-center-2023',
      customerOptOut: 'any-time',
      consentNoticeAt: 'submission',
      disputeInformationRequest: true,
    });
  });

  it('partner-center-2023: a disputed claim may go back to partner action required; seed-2020 refuses', async () => {
    for (const name of ['partner-center-2023', 'seed-2020'] as const) {
      harness = await createHarness({ policy: name });
      const disputed = await claimAt(harness, 'Disputed');
      const asking = harness.service.requestInformation(reviewer(), disputed.id, disputed.version, {
        reasons: ['missing-customer-acknowledgement'],
        comment: 'Sign page 3.',
      });
      if (name === 'seed-2020') {
        await assert.rejects(asking, { code: 'invalid-transition' });
      } else {
        const asked = await asking;
        assert.equal(asked.status, 'PartnerActionRequired');
        const back = await harness.service.resubmit(partner(), asked.id, asked.version, {});
        assert.equal(back.status, 'InReview');
      }
      await harness.cleanup();
    }
  });

  it('each preset names programs and solution areas as Partner Center did then, in English', () => {
    assert.equal(createPolicy().catalogue, 'seed-2020');
    assert.equal(createPolicy({ name: 'partner-center-2023' }).catalogue, 'partner-center-2023');
    assert.equal(programName('OSA'), 'OSA Sell (Online Services Advisory Sell)');
    assert.equal(programName('OSA', 'partner-center-2023'), 'MCI BizApps Presales Advisor');
    assert.equal(solutionAreaName('Microsoft 365', 'partner-center-2023'), 'Modern Work and Security');
    assert.equal(solutionAreaName('Microsoft 365'), 'Microsoft 365');
  });

  it('a claim keeps the terms it was filed under when the deployment changes preset', async () => {
    harness = await createHarness({ policy: 'seed-2020' });
    const draft = await claimAt(harness, 'Draft');
    await harness.repository.close();
    harness = await createHarness({ policy: 'partner-center-2023', dataDir: harness.dataDir, start: harness.clock.now() });
    const submitted = await harness.service.submit(partner(), draft.id, draft.version);
    const kinds = (await harness.repository.get(submitted.id))!.outbox.map((alert) => alert.kind);
    assert.ok(!kinds.includes('consent-notice'), 'seed terms: the notice comes with approval');
    await assert.rejects(harness.service.optOut(customer(), submitted.id, submitted.version), { code: 'invalid-transition' });
    assert.equal(submitted.terms?.catalogue, 'seed-2020');
  });
});
