import assert from 'node:assert/strict';
import { afterGatherMs } from '../../bot/proactive/gather.js';

// A change's follow-up (the outbox's pass, the refresh of the cards already posted) waits for the
// changes of the next 100 ms, so a burst of approvals pays one pass and one read of the posted
// cards (on PostgreSQL, one statement each) instead of one every 20 ms.

describe('proactive: how long a change waits for others to join it', () => {
  it('has not started 80 ms after the change, so a change then still joins it; it starts on its own after', async () => {
    let started = false;
    const startedAt80Ms = await new Promise<boolean>((resolve) => {
      afterGatherMs(() => (started = true));
      // Timers fire in the order they fall due, however late the loop runs them.
      setTimeout(() => resolve(started), 80);
    });
    assert.equal(startedAt80Ms, false);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(started, true);
  });

  it('starts nothing once cancelled (the bot stopping)', async () => {
    let started = false;
    afterGatherMs(() => (started = true)).cancel();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(started, false);
  });
});
