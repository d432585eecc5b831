import assert from 'node:assert/strict';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { PARTNER_TENANT, claimAt, createHarness, m365Details, partner, reviewer, type Harness } from '../support/serviceHarness.js';
import { deliverAll, deliveredKeys, meet, openWorker, VirtualTime, type Worker } from './proactiveFixtures.js';
import { assertWithinTeamsWindows, worstWindow } from '../support/rateWindows.js';

// A burst of 500 alerts to one conversation. At 60 per 30 s that is over four minutes of real
// time, so the worker and the stand-in share a virtual clock (VirtualTime): it moves only when
// the limiter sleeps, and the stand-in stamps each request with it. The limits are then asserted
// on those stamps over every sliding window, exactly as Teams would count arrivals.

describe('proactive: per-conversation rate limits', function () {
  this.timeout(120_000);
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  const time = new VirtualTime();

  before(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start({ now: () => time.millis() });
    worker = await openWorker(harness, { clock: time });
    await meet(worker.references, connector, { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' });
    await meet(worker.references, connector, {
      tenantId: '55555555-5555-4555-8555-555555555555',
      userId: 'reviewer-1',
      conversationId: 'a:reviewer',
      roles: ['reviewer'],
    });
  });

  after(async () => {
    await worker.outbox.stop();
    await connector.close();
    await harness.cleanup();
  });

  it('500 alerts to one chat: every sliding window within 7/1 s, 8/2 s, 60/30 s, and all arrive once', async () => {
    // Five claims in review, 100 reviewer comments each: 500 "new comment" alerts to the partner.
    const claims = await Promise.all(
      [0, 1, 2, 3, 4].map((index) =>
        claimAt(
          harness,
          'InReview',
          m365Details({ customerDomain: `customer${index}.onmicrosoft.com`, customerTenantId: `3333333${index}-3333-4333-8333-333333333333` }),
        ),
      ),
    );
    await Promise.all(
      claims.map(async (claim) => {
        let current = claim;
        for (let index = 0; index < 100; index += 1) {
          current = await harness.service.comment(reviewer(), current.id, current.version, { text: `note ${index}` });
        }
      }),
    );
    const started = time.millis();
    await deliverAll(worker, harness);

    const toPartner = connector.posts('a:partner');
    const comments = connector.delivered(':new-comment:partner');
    assert.equal(comments.length, 500, 'all 500 arrived');
    assert.ok(
      [...deliveredKeys(connector).values()].every((count) => count === 1),
      'each exactly once',
    );
    assertWithinTeamsWindows(toPartner, 'partner chat');
    // The 60 per 30 s limit is the binding one: ~510 requests need at least 8 windows of 30 s.
    const spanMs = Math.max(...toPartner.map((request) => request.at)) - started;
    assert.ok(spanMs >= Math.floor((toPartner.length - 1) / 60) * 30_000, `span ${spanMs} ms`);
    assert.ok(worstWindow(toPartner, 30_000) === 60, 'and it runs at the limit, not far below it');
    assert.deepEqual(await harness.service.pendingAlerts(), []);
  });
});
