import assert from 'node:assert/strict';
import sinon from 'sinon';
import { cardClickedBy, whileHandlingClick } from '../../bot/proactive/clickedCard.js';
import { backoffMs, classifyConnectorError, retryAfterMs } from '../../bot/proactive/connectorErrors.js';
import { loadProactiveConfig } from '../../bot/proactive/proactiveConfig.js';
import { ConfigurationError } from '../../services/environment.js';
import { SlidingWindowLimiter } from '../../bot/proactive/rateLimiter.js';
import { TickScheduler } from '../../bot/proactive/scheduler.js';
import type { Actor } from '../../services/actor.js';
import type { TimerFiring } from '../../services/claimService.js';
import { ChangeFeed } from '../../services/claims/changeFeed.js';
import type { Claim } from '../../services/model.js';
import { systemClock } from '../../services/clock.js';
import { DeliveryJournal } from '../../bot/proactive/deliveryJournal.js';
import type { RecipientLookups } from '../../bot/proactive/passLookups.js';
import { resolveRecipients } from '../../bot/proactive/recipients.js';
import type { StoredReference } from '../../bot/proactive/conversationReferences.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { removeAllTempDataDirs, tempDataDir } from '../support/claimFixtures.js';
import { ManualClock, MONDAY } from '../support/serviceHarness.js';
import { VirtualTime } from './proactiveFixtures.js';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] });

describe('proactive: parts', () => {
  describe('configuration', () => {
    it('has the documented defaults', () => {
      const config = loadProactiveConfig({});
      assert.equal(config.tickIntervalMs, 60_000);
      assert.equal(config.delivery.globalRatePerSecond, 50);
      assert.equal(config.delivery.maxAttempts, 8);
      assert.equal(config.delivery.undeliverableAfterMs, 72 * 3600_000);
      assert.equal(config.delivery.afterCrash, 'skip');
      assert.equal(config.delivery.leaseMs, 120_000);
      assert.equal(loadProactiveConfig({ DELIVERY_LEASE_SECONDS: '15' }).delivery.leaseMs, 15_000);
      assert.equal(config.consentMailPerMinute, 30, "Exchange Online's messages a minute from one mailbox");
      assert.equal(loadProactiveConfig({ CONSENT_MAIL_PER_MINUTE: '120' }).consentMailPerMinute, 120);
    });

    it('names each bad value', () => {
      assert.throws(
        () => loadProactiveConfig({ TICK_INTERVAL_SECONDS: '0', DELIVERY_AFTER_CRASH: 'twice', DELIVERY_LEASE_SECONDS: '1', CONSENT_MAIL_PER_MINUTE: '0' }),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          error.problems.some((problem) => problem.startsWith('TICK_INTERVAL_SECONDS="0"')) &&
          error.problems.some((problem) => problem.startsWith('DELIVERY_AFTER_CRASH="twice"')) &&
          error.problems.some((problem) => problem.startsWith('DELIVERY_LEASE_SECONDS="1"')) &&
          error.problems.some((problem) => problem.startsWith('CONSENT_MAIL_PER_MINUTE="0"')),
      );
    });
  });

  describe('connector errors', () => {
    const rest = (status: number, code?: string, extra: Record<string, string> = {}) => ({
      statusCode: status,
      message: 'x',
      response: { status, headers: headers(extra), bodyAsText: JSON.stringify({ error: { code: code ?? 'Other' } }) },
    });

    it('classifies Teams answers', () => {
      assert.equal(classifyConnectorError(rest(403, 'ConversationBlockedByUser'), 0).kind, 'conversation-gone');
      assert.equal(classifyConnectorError(rest(403, 'BotDisabledByAdmin'), 0).kind, 'conversation-gone');
      assert.equal(classifyConnectorError(rest(403, 'SomethingElse'), 0).kind, 'rejected');
      assert.equal(classifyConnectorError(rest(404, 'ConversationNotFound'), 0).kind, 'conversation-gone');
      for (const status of [412, 502, 503, 504]) assert.equal(classifyConnectorError(rest(status), 0).kind, 'transient');
      assert.equal(classifyConnectorError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 0).kind, 'transient');
      assert.equal(classifyConnectorError(rest(400, 'BadArgument'), 0).kind, 'rejected');
      const throttled = classifyConnectorError(rest(429, undefined, { 'retry-after': '2' }), 0);
      assert.deepEqual([throttled.kind, throttled.kind === 'throttled' && throttled.retryAfterMs], ['throttled', 2000]);
    });

    it('reads Retry-After as seconds or a date', () => {
      const now = Date.parse('2026-11-23T09:00:00Z');
      assert.equal(retryAfterMs(headers({ 'retry-after': '1.5' }), now), 1500);
      assert.equal(retryAfterMs(headers({ 'retry-after': 'Mon, 23 Nov 2026 09:00:05 GMT' }), now), 5000);
      assert.equal(retryAfterMs(headers({}), now), undefined);
    });

    it('backs off exponentially with jitter, capped', () => {
      assert.equal(
        backoffMs(1, 100, 10_000, () => 1),
        100,
      );
      assert.equal(
        backoffMs(4, 100, 10_000, () => 1),
        800,
      );
      assert.equal(
        backoffMs(4, 100, 10_000, () => 0),
        400,
      );
      assert.equal(
        backoffMs(30, 100, 10_000, () => 1),
        10_000,
      );
    });
  });

  describe('sliding-window limiter', () => {
    it('counts a slot until it is released, and from its release instant', async () => {
      const time = new VirtualTime(0);
      const limiter = new SlidingWindowLimiter([{ limit: 2, windowMs: 1000 }], time);
      const first = (await limiter.acquire())!;
      const second = (await limiter.acquire())!;
      assert.equal(limiter.waitMs(time.millis()), Infinity, 'both in flight: only a release helps');
      await time.sleep(300);
      first.release();
      assert.equal(limiter.waitMs(time.millis()), 1000, 'the released slot leaves the window 1 s after its release');
      second.release();
      const third = limiter.acquire();
      await third;
      assert.equal(time.millis(), 1300);
    });

    it("serves many waiters in arrival order at the window's pace, with one timer armed for all of them", async () => {
      const timers = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const limiter = new SlidingWindowLimiter([{ limit: 5, windowMs: 1000 }], systemClock);
        const granted: { index: number; at: number }[] = [];
        const leaving = new AbortController();
        const waiting = Array.from({ length: 21 }, (_, index) =>
          limiter.acquire(index === 7 ? leaving.signal : undefined).then((slot) => {
            if (!slot) return;
            granted.push({ index, at: Date.now() });
            slot.release();
          }),
        );
        await timers.tickAsync(0);
        // The eighth in line gives up while waiting; it holds no one up.
        leaving.abort();
        assert.equal(timers.countTimers(), 1, 'one timer for the 15 still waiting, not one each');
        await timers.tickAsync(5000);
        await Promise.all(waiting);
        assert.deepEqual(
          granted.map((grant) => grant.index),
          Array.from({ length: 21 }, (_, index) => index).filter((index) => index !== 7),
        );
        const perSecond = granted.reduce<Record<number, number>>((counts, grant) => ({ ...counts, [grant.at]: (counts[grant.at] ?? 0) + 1 }), {});
        assert.deepEqual(perSecond, { 0: 5, 1000: 5, 2000: 5, 3000: 5 });
      } finally {
        timers.restore();
      }
    });
  });

  describe('scheduler', () => {
    let timers: sinon.SinonFakeTimers;
    beforeEach(() => (timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })));
    afterEach(() => timers.restore());

    it('ticks at start and every interval, one at a time, and reports errors', async () => {
      const calls: Date[] = [];
      let release: (() => void) | undefined;
      let failNext = false;
      const claims = {
        tick: async (now: Date): Promise<TimerFiring[]> => {
          calls.push(now);
          if (failNext) throw new Error('store down');
          if (calls.length === 2) await new Promise<void>((resolve) => (release = resolve));
          return [{ claimId: 'CPOR-2026-000001', deadline: 'reviewStart', kind: 'due', dueAt: now.toISOString(), outcome: 'alerted' }];
        },
      };
      const fired: number[] = [];
      const scheduler = new TickScheduler({ claims, intervalMs: 60_000, clock: systemClock, onFired: (firings) => fired.push(firings.length) });
      await scheduler.start();
      assert.equal(calls.length, 1, 'catch-up tick at start');
      timers.tick(60_000);
      timers.tick(60_000); // the second tick is still running: skipped, not queued
      assert.equal(calls.length, 2);
      release!();
      await scheduler.whenIdle();
      assert.equal(scheduler.health().skipped, 1);
      failNext = true;
      timers.tick(60_000);
      await scheduler.whenIdle();
      assert.equal(scheduler.health().lastError, 'store down');
      assert.deepEqual(fired, [1, 1]);
      await scheduler.stop();
      timers.tick(600_000);
      assert.equal(calls.length, 3, 'no tick after stop');
    });
  });

  describe("the reviewers' conversations", () => {
    const chat = (key: string, kind: 'personal' | 'channel'): StoredReference => ({
      key,
      tenantId: 'review-tenant',
      kind,
      reference: { serviceUrl: 'https://smba.example/', channelId: 'msteams', conversation: { id: key }, bot: { id: '28:bot' } },
      roles: ['reviewer'],
      locale: 'en',
      timeZone: 'UTC',
      updatedAt: '2026-02-01T10:00:00.000Z',
    });
    /** Lookups answered only when the test says so, noting what was asked before any answer. */
    function heldLookups(answers: { channels: StoredReference[]; chats: StoredReference[] }) {
      const asked: string[] = [];
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const later = <T>(question: string, value: T) => {
        asked.push(question);
        return answered.then(() => value);
      };
      const lookups = {
        reviewerChannels: () => later('reviewerChannels', answers.channels),
        reviewerChats: () => later('reviewerChats', answers.chats),
      } as unknown as RecipientLookups;
      return { lookups, asked, answer };
    }

    it('asks for their channels and their chats at once (one statement on PostgreSQL); the chats count only without a channel', async () => {
      const withoutChannel = heldLookups({ channels: [], chats: [chat('a:reviewer', 'personal')] });
      const resolving = resolveRecipients({ to: 'reviewers', data: {} }, withoutChannel.lookups);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(withoutChannel.asked, ['reviewerChannels', 'reviewerChats'], 'both asked before either answered');
      withoutChannel.answer();
      const toChats = await resolving;
      assert.deepEqual(toChats.kind === 'targets' && toChats.targets.map((target) => target.conversationKey), ['a:reviewer']);

      const withChannel = heldLookups({ channels: [chat('19:review-channel', 'channel')], chats: [chat('a:reviewer', 'personal')] });
      withChannel.answer();
      const toChannel = await resolveRecipients({ to: 'reviewers', data: {} }, withChannel.lookups);
      assert.deepEqual(toChannel.kind === 'targets' && toChannel.targets.map((target) => target.conversationKey), ['19:review-channel']);
    });
  });

  describe('the delivery journal read ahead for a pass', () => {
    after(removeAllTempDataDirs);

    it('answers from what was read ahead, and never from what a write here has replaced since', async () => {
      const dir = await tempDataDir('cpor-journal-');
      const clock = new ManualClock(MONDAY);
      const journal = await DeliveryJournal.open(new FileDocumentStore({ dataDir: dir.path, clock }), { retentionMs: 86_400_000, clock });
      await journal.record('k1', 'chat-a', 'sent', 'm-1');
      await journal.markDone('k1');
      await journal.record('k2', 'chat-b', 'sending');

      await journal.readAhead([
        { key: 'k1', targets: ['chat-a'] },
        { key: 'k2', targets: ['chat-b', 'chat-c'] },
      ]);
      assert.equal(await journal.isDone('k1'), true);
      assert.equal((await journal.state('k1', 'chat-a'))?.activityId, 'm-1');
      assert.equal(await journal.isDone('k2'), false);
      // The copy being sent meanwhile (another lane) records its outcome: the pass sees it.
      await journal.record('k2', 'chat-b', 'sent', 'm-2');
      assert.equal((await journal.state('k2', 'chat-b'))?.state, 'sent');
      await journal.record('k2', 'chat-c', 'failed');
      assert.equal((await journal.state('k2', 'chat-c'))?.state, 'failed');
      await journal.markDone('k2');
      assert.equal(await journal.isDone('k2'), true);

      // Read ahead as absent, then written, then asked once the pass ended: what is stored.
      await journal.readAhead([{ key: 'k3', targets: ['chat-d'] }]);
      journal.forgetReadAhead();
      await journal.record('k3', 'chat-d', 'sending');
      assert.equal((await journal.state('k3', 'chat-d'))?.state, 'sending');
    });
  });

  describe('the card a change was clicked from', () => {
    const reviewer: Actor = { userId: 'aad-rev', tenantId: 'tenant-a', roles: ['reviewer'] };
    const card = (activityId: string) => ({ conversationKey: 'tenant-a|chat-1', activityId });
    const claim = { id: 'CPOR-2026-000001' } as Claim;

    it('is told with each change made by that click, and with no other', async () => {
      const feed = new ChangeFeed();
      const told: Array<string | undefined> = [];
      feed.subscribe((_claim, by) => told.push(cardClickedBy(by)?.activityId));
      let clicking: Actor | undefined;
      await whileHandlingClick(card('m-1'), reviewer, async (actor) => {
        clicking = actor;
        feed.notify(claim, actor);
        // The same person's change made elsewhere (a dialog, a timer) is no click.
        feed.notify(claim, reviewer);
        feed.notify(claim);
      });
      feed.notify(claim, clicking);
      assert.deepEqual(told, ['m-1', undefined, undefined, undefined], 'known while the click runs only');
      assert.notEqual(clicking, reviewer, 'the click acts as an actor of its own');
      assert.deepEqual(clicking, reviewer);
    });

    it('tells two clicks of one person at once apart', async () => {
      const feed = new ChangeFeed();
      const told: Array<string | undefined> = [];
      feed.subscribe((_claim, by) => told.push(cardClickedBy(by)?.activityId));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = whileHandlingClick(card('m-1'), reviewer, async (actor) => {
        await gate;
        feed.notify(claim, actor);
      });
      const second = whileHandlingClick(card('m-2'), reviewer, async (actor) => {
        feed.notify(claim, actor);
        release();
      });
      await Promise.all([first, second]);
      assert.deepEqual(told, ['m-2', 'm-1']);
    });

    it('leaves a change without a clicked card (a refresh) as the actor made it', async () => {
      let given: Actor | undefined;
      await whileHandlingClick(undefined, reviewer, async (actor) => {
        given = actor;
      });
      assert.equal(given, reviewer);
      assert.equal(cardClickedBy(reviewer), undefined);
      assert.equal(cardClickedBy(undefined), undefined);
    });
  });
});
