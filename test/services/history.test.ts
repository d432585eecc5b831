import assert from 'node:assert/strict';
import { claimAt, createHarness, customer, partner, poeFile, reviewer, type Harness } from '../support/serviceHarness.js';

// History is the claim's record: who, in which role, when, what, which fields changed; only appended.

describe('history', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await createHarness();
  });
  afterEach(async () => harness.cleanup());

  it('records every change with actor, role, time, action and changed fields, and never edits an entry', async () => {
    const { service, clock } = harness;
    const admin = partner('incentives-admin');
    const user = partner('incentives-user', 'partner-user-2');
    let claim = await service.create(admin, { program: 'OSU-M365', activity: 'Usage' });
    const snapshots = [structuredClone(claim.history)];
    const step = async (run: () => Promise<typeof claim>) => {
      clock.advance(60_000);
      claim = await run();
      snapshots.push(structuredClone(claim.history));
    };
    await step(() =>
      service.update(user, claim.id, claim.version, {
        customerDomain: 'fabrikam.onmicrosoft.com',
        customerTenantId: '33333333-3333-4333-8333-333333333333',
        partnerId: '4512345',
        workloads: ['Teams'],
        customerContact: { name: 'Dana', title: 'CIO', email: 'dana@fabrikam.com' },
        partnerContact: { name: 'Pat', email: 'pat@contoso.com' },
      }),
    );
    await step(() => service.addPoe(user, claim.id, claim.version, poeFile()));
    await step(() => service.submit(user, claim.id, claim.version));
    await step(() => service.comment(reviewer(), claim.id, claim.version, { text: 'Looking at it today.' }));
    await step(() => service.startReview(reviewer(), claim.id, claim.version));
    await step(() => service.approve(reviewer(), claim.id, claim.version, { comment: 'Fine.' }));
    await step(() => service.optOut(customer(), claim.id, claim.version));

    const history = await service.history(admin, claim.id);
    assert.deepEqual(
      history.map((entry) => [entry.seq, entry.action, entry.actorId, entry.role, entry.fromStatus, entry.toStatus]),
      [
        [1, 'create', admin.userId, 'incentives-admin', undefined, 'Draft'],
        [2, 'edit', user.userId, 'incentives-user', 'Draft', 'Draft'],
        [3, 'addPoe', user.userId, 'incentives-user', 'Draft', 'Draft'],
        [4, 'submit', user.userId, 'incentives-user', 'Draft', 'Submitted'],
        [5, 'comment', 'reviewer-1', 'reviewer', 'Submitted', 'Submitted'],
        [6, 'startReview', 'reviewer-1', 'reviewer', 'Submitted', 'InReview'],
        [7, 'approve', 'reviewer-1', 'reviewer', 'InReview', 'Approved'],
        [8, 'optOut', customer().userId, 'customer', 'Approved', 'Rejected'],
      ],
    );
    // Each entry is stamped with the clock at the time of its change, a minute apart.
    const times = history.map((entry) => Date.parse(entry.at));
    for (let index = 1; index < times.length; index += 1) assert.equal(times[index]! - times[index - 1]!, 60_000);

    assert.deepEqual(history[1]!.changes.map((change) => change.field).sort(), [
      'customerContact',
      'customerDomain',
      'customerTenantId',
      'partnerContact',
      'partnerId',
      'workloads',
    ]);
    assert.deepEqual(
      history[1]!.changes.find((change) => change.field === 'workloads'),
      {
        field: 'workloads',
        to: ['Teams'],
      },
    );
    assert.deepEqual(history[3]!.changes, [{ field: 'status', from: 'Draft', to: 'Submitted' }]);
    assert.equal(history[4]!.comment, 'Looking at it today.');
    assert.deepEqual(
      history[7]!.changes.map((change) => change.field),
      ['status', 'rejection'],
    );

    // Append-only: every earlier history is a prefix of every later one, entry for entry.
    for (const snapshot of snapshots) assert.deepEqual(history.slice(0, snapshot.length), snapshot);
  });

  it('a refused command leaves no trace in history', async () => {
    const claim = await claimAt(harness, 'Submitted');
    await assert.rejects(harness.service.approve(reviewer(), claim.id, claim.version), { code: 'invalid-transition' });
    await assert.rejects(harness.service.startReview(reviewer(), claim.id, claim.version - 1), { code: 'stale-version' });
    assert.deepEqual(await harness.service.history(partner(), claim.id), claim.history);
  });

  it('survives a restart unchanged', async () => {
    const claim = await claimAt(harness, 'Rejected');
    harness = await harness.restart();
    assert.deepEqual(await harness.service.history(reviewer(), claim.id), claim.history);
  });

  it('is not shown to a customer, who may only read the consent notice', async () => {
    const claim = await claimAt(harness, 'Approved');
    assert.equal((await harness.service.get(customer(), claim.id)).id, claim.id);
    await assert.rejects(harness.service.history(customer(), claim.id), { code: 'not-allowed' });
  });
});
