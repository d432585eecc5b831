import assert from 'node:assert/strict';
import type { Claim } from '../../services/model.js';
import { claimAt, createHarness, partner, reviewer, type Harness } from '../support/serviceHarness.js';

// Listeners hear of every committed change, whoever made it (a card, a dialog, a timer), so the
// cards already posted can be brought up to date; refused commands and reminders are no change.

describe('claim change notifications', () => {
  let harness: Harness;
  let heard: Claim[] = [];
  beforeEach(async () => {
    harness = await createHarness();
    heard = [];
    harness.service.onChange((claim) => heard.push(claim));
  });
  afterEach(async () => harness.cleanup());

  it('tells listeners once per committed command, with the claim as committed', async () => {
    const claim = await claimAt(harness, 'InReview');
    assert.deepEqual(
      heard.map((change) => [change.status, change.version]),
      [
        ['Draft', 1],
        ['Draft', 2],
        ['Submitted', 3],
        ['InReview', 4],
      ],
    );
    await assert.rejects(harness.service.approve(reviewer(), claim.id, claim.version - 1), { code: 'stale-version' });
    await assert.rejects(harness.service.withdraw(partner('incentives-user'), claim.id, claim.version), { code: 'not-allowed' });
    assert.equal(heard.length, 4);
  });

  it('tells listeners of timer transitions but not of reminders, and never of a discarded draft', async () => {
    const claim = await claimAt(harness, 'PartnerActionRequired');
    heard = [];
    await harness.service.tick(new Date('2026-11-27T09:00:00.000Z'));
    assert.equal(heard.length, 0);
    await harness.service.tick(new Date(claim.deadlines.partnerResponse!));
    assert.deepEqual(
      heard.map((change) => [change.id, change.status]),
      [[claim.id, 'Rejected']],
    );

    const draft = await harness.service.create(partner(), {});
    heard = [];
    await harness.service.discard(partner(), draft.id, draft.version);
    assert.equal(heard.length, 0);
  });

  it('a failing listener does not undo or fail the change', async () => {
    harness.service.onChange(() => {
      throw new Error('listener broke');
    });
    const claim = await claimAt(harness, 'Submitted');
    assert.equal((await harness.service.get(partner(), claim.id)).status, 'Submitted');
  });
});
