import assert from 'node:assert/strict';
import type { AdaptiveCard } from '../../cards/template.js';
import { CardCopies } from '../../bot/proactive/cardCopies.js';
import { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import type { AlertRenderer } from '../../bot/proactive/recipients.js';
import type { RateWindow, SendLimiter, SendSlot } from '../../services/sendLimits.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { PARTNER_TENANT, bizAppsDetails, claimAt, createHarness, m365Details, partner, type Harness } from '../support/serviceHarness.js';
import { VirtualTime, deliverAll, mailFallback, meet, openWorker, testSettings, unauthenticatedAdapter, type Worker } from './proactiveFixtures.js';

// How fast a backlog drains (issue 20): Teams allows a bot 50 requests per second, and the
// outbox worker should get close to that. Three things used to keep it well under: passes came
// only every poll interval (one batch per pass), the rate slots were held through the journal and
// outbox writes after each answer, and an alert posted after its claim moved on was updated at
// once to say so (two requests for one alert).

describe('proactive: pacing of a backlog', function () {
  this.timeout(60_000);
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker | undefined;

  beforeEach(async () => {
    harness = await createHarness({ start: new Date() });
    connector = await ProactiveConnector.start();
  });

  afterEach(async () => {
    await worker?.outbox.stop();
    worker = undefined;
    await connector.close();
    await harness.cleanup();
  });

  it('a backlog of several batches is drained pass after pass, without waiting for the poll interval', async () => {
    // 30 partners, each with a submitted claim: 30 receipts to 30 chats (the reviewers' alerts wait:
    // no reviewer has talked to the bot). Batches of 10 and a poll every minute.
    const partners = Array.from({ length: 30 }, (_, index) => partner('incentives-admin', `pacing-partner-${index}`));
    for (const [index, person] of partners.entries()) {
      await claimAt(harness, 'Submitted', m365Details({ customerTenantId: `33333333-3333-4333-8333-${String(index).padStart(12, '0')}` }), person);
    }
    worker = await openWorker(harness, { settings: testSettings({ batchSize: 10, pollIntervalMs: 60_000 }) });
    for (const person of partners) {
      await meet(worker.references, connector, { tenantId: PARTNER_TENANT, userId: person.userId, conversationId: `a:${person.userId}` });
    }
    const started = performance.now();
    worker.outbox.start();
    while (connector.delivered(':submission-receipt:partner').length < partners.length) {
      assert.ok(performance.now() - started < 15_000, `only ${connector.delivered(':submission-receipt:partner').length} of 30 receipts after 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Each chat got its one receipt once.
    const chats = connector.delivered(':submission-receipt:partner').map((request) => request.conversationId);
    assert.equal(new Set(chats).size, partners.length);
  });

  it('an alert posted after its claim moved on already says where the claim is, and is not updated at once', async () => {
    // Submitted, then in review before anything was delivered: the receipt goes out late.
    const claim = await claimAt(harness, 'InReview');
    const documents = new FileDocumentStore({ dataDir: harness.dataDir, clock: harness.clock });
    const references = await ConversationReferenceStore.open(documents, { clock: harness.clock });
    const lanes = new ConversationLanes({ clock: harness.clock, globalRatePerSecond: 50 });
    const render: AlertRenderer = (alert, _recipient, now) => card(`[${alert.dedupeKey}] now ${now?.status ?? 'as recorded'}`);
    const cardCopies = await CardCopies.open({
      documents,
      adapter: unauthenticatedAdapter(),
      appId: '',
      references,
      lanes,
      latestClaim: async (claimId) => (await harness.repository.get(claimId))?.claim,
      render: { claimCard: async () => card('claim'), alertCard: (alert, now, recipient) => render(alert, recipient, now) },
      clock: harness.clock,
      settings: { requestTimeoutMs: 2000, backoffBaseMs: 50, backoffMaxMs: 200 },
    });
    worker = await openWorker(harness, { documents, references, lanes, cardCopies, renderAlert: render });
    await meet(references, connector, { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' });

    await deliverAll(worker, harness);
    await lanes.idle();

    const [receipt] = connector.delivered(`${claim.id}:v3:submission-receipt:partner`);
    assert.ok(receipt, 'the receipt was posted');
    assert.ok(JSON.stringify(receipt.body).includes('now InReview'), 'rendered with the claim as it is now');
    assert.deepEqual(connector.updates(), [], 'no update follows: the posted card is already current');
  });

  it("consent mails go at the mailbox's pace, one message per contact", async () => {
    // Three approvals whose customers never talked to the bot: five consent mails (BizApps claims
    // have a technical contact too), from a mailbox that takes two a minute.
    const time = new VirtualTime(harness.clock.now().getTime());
    const sent: Array<{ to: string; at: number }> = [];
    const windows = [{ limit: 2, windowMs: 60_000 }];
    worker = await openWorker(harness, { clock: time, fallback: mailFallback(async (_alert, to) => void sent.push({ to, at: time.millis() }), windows) });
    const customers = ['55555555-0000-4000-8000-000000000001', '55555555-0000-4000-8000-000000000002', '55555555-0000-4000-8000-000000000003'];
    const claims = [];
    for (const [index, customerTenantId] of customers.entries()) {
      const details = { customerTenantId, customerDomain: `customer${index}.onmicrosoft.com` };
      const subscriptionId = `66666666-0000-4000-8000-00000000000${index}`;
      claims.push(await claimAt(harness, 'Approved', index < 2 ? bizAppsDetails({ ...details, subscriptionId }) : m365Details(details)));
    }
    await deliverAll(worker, harness);

    assert.equal(sent.length, 5);
    const at = sent.map((mail) => mail.at).sort((a, b) => a - b);
    for (let index = 2; index < at.length; index += 1) {
      assert.ok(at[index]! - at[index - 2]! >= 60_000, `three mails within a minute: ${at.map((instant) => instant - at[0]!).join(', ')} ms`);
    }
    for (const claim of claims) {
      const notice = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'consent-notice')!;
      assert.equal(notice.state, 'sent');
    }
  });

  it("a channel's lane takes its own slot only, not the bot's Teams rate", async () => {
    const events: string[] = [];
    const limiter: SendLimiter = {
      acquire: async (key: string): Promise<SendSlot> => {
        events.push(`acquire ${key}`);
        return { release: async () => void events.push(`release ${key}`) };
      },
    };
    const lanes = new ConversationLanes({ clock: harness.clock, globalRatePerSecond: 50, limiter });
    lanes.enqueueChannel(
      { key: 'mail:notices@contoso.com', windows: [{ limit: 30, windowMs: 60_000 }] },
      {
        run: async (send) => {
          await send(async () => events.push('mail to Dana'));
          await send(async () => events.push('mail to Tech'));
          return { kind: 'done' };
        },
      },
    );
    await lanes.idle();
    assert.deepEqual(events, [
      'acquire mail:notices@contoso.com',
      'mail to Dana',
      'release mail:notices@contoso.com',
      'acquire mail:notices@contoso.com',
      'mail to Tech',
      'release mail:notices@contoso.com',
    ]);
  });

  it('a lane holds the rate slots only around its request, not through the work after the answer', async () => {
    const events: string[] = [];
    const limiter: SendLimiter = {
      acquire: async (key: string, _windows: readonly RateWindow[]): Promise<SendSlot> => {
        events.push(`acquire ${key}`);
        return { release: async () => void events.push(`release ${key}`) };
      },
    };
    const lanes = new ConversationLanes({ clock: harness.clock, globalRatePerSecond: 50, limiter });
    lanes.enqueue('chat-1', {
      run: async (send) => {
        await send(async () => events.push('request'));
        events.push('bookkeeping after the answer');
        return { kind: 'done' };
      },
    });
    // A task that finds nothing to send (its alert was settled elsewhere) takes no slot.
    lanes.enqueue('chat-2', { run: async () => ({ kind: 'done' }) });
    await lanes.idle();
    assert.deepEqual(events, [
      'acquire conversation:chat-1',
      'acquire bot',
      'request',
      'release bot',
      'release conversation:chat-1',
      'bookkeeping after the answer',
    ]);
  });
});

function card(text: string): AdaptiveCard {
  return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] };
}
