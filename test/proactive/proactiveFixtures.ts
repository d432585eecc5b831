import type { Activity } from 'botbuilder';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { AdaptiveCard } from '../../cards/template.js';
import { consentFactsFromAlert } from '../../consent/consentMailNotice.js';
import { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { alertStateFrom, OutboxDelivery, type AlertFallback, type OutboxDeliveryOptions } from '../../bot/proactive/outboxDelivery.js';
import type { RateWindow } from '../../bot/proactive/rateLimiter.js';
import type { Alert } from '../../services/model.js';
import type { DeliverySettings } from '../../bot/proactive/proactiveConfig.js';
import type { AlertRenderer } from '../../bot/proactive/recipients.js';
import type { Role } from '../../services/actor.js';
import type { Clock } from '../../services/clock.js';
import type { Harness } from '../support/serviceHarness.js';
import type { ProactiveConnector } from '../support/proactiveConnector.js';

// Shared pieces of the proactive tests: Teams activities that teach the store where people are,
// a renderer that writes the alert's dedupe key and the reader's language into the card, and a
// worker wired to a real CloudAdapter without an app id (so it calls the stand-in unauthenticated).

export const BOT_ID = '28:cpor-bot';

export interface ChatUser {
  tenantId: string;
  userId: string;
  conversationId: string;
  locale?: string;
  roles?: Role[];
}

export function personalActivity(connector: ProactiveConnector, user: ChatUser): Partial<Activity> {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    locale: user.locale ?? 'en-US',
    from: { id: `29:${user.userId}`, name: user.userId, aadObjectId: user.userId },
    recipient: { id: BOT_ID, name: 'CPOR' },
    conversation: { id: user.conversationId, conversationType: 'personal', tenantId: user.tenantId, isGroup: false, name: '' },
    channelData: { tenant: { id: user.tenantId } },
    text: 'help',
  };
}

export function channelActivity(
  connector: ProactiveConnector,
  where: { tenantId: string; teamId: string; channelId: string; userId: string },
): Partial<Activity> {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    locale: 'en-US',
    from: { id: `29:${where.userId}`, name: where.userId, aadObjectId: where.userId },
    recipient: { id: BOT_ID, name: 'CPOR' },
    conversation: { id: `${where.channelId};messageid=1700000000000`, conversationType: 'channel', tenantId: where.tenantId, isGroup: true, name: '' },
    channelData: { tenant: { id: where.tenantId }, team: { id: where.teamId }, channel: { id: where.channelId } },
    text: 'use this channel',
  };
}

export async function meet(references: ConversationReferenceStore, connector: ProactiveConnector, user: ChatUser): Promise<void> {
  await references.recordActivity(personalActivity(connector, user), { userId: user.userId, roles: user.roles ?? [] });
}

export const testRenderer: AlertRenderer = (alert, recipient): AdaptiveCard => ({
  type: 'AdaptiveCard',
  version: '1.5',
  body: [{ type: 'TextBlock', text: `[${alert.dedupeKey}] ${alert.kind} (${recipient.locale}, ${recipient.role})` }],
});

export function testSettings(overrides: Partial<DeliverySettings> = {}): DeliverySettings {
  return {
    globalRatePerSecond: 50,
    maxAttempts: 8,
    undeliverableAfterMs: 72 * 3600_000,
    pollIntervalMs: 60_000,
    batchSize: 1000,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    afterCrash: 'skip',
    dedupeRetentionMs: 30 * 86_400_000,
    requestTimeoutMs: 2000,
    leaseMs: 120_000,
    ...overrides,
  };
}

/**
 * The consent mail as the app wires it, with `send` standing for the mailbox: a consent notice
 * goes to its customer contacts, one message each, at most `windows` from the one mailbox.
 */
export function mailFallback(
  send: (alert: Alert, recipient: string) => Promise<void>,
  windows: readonly RateWindow[] = [{ limit: 30, windowMs: 60_000 }],
): AlertFallback {
  return {
    // Read as the app reads them, so the fixture follows the notice's facts if their shape changes.
    recipients: (alert) => (alert.kind === 'consent-notice' ? consentFactsFromAlert(alert).contacts.map((contact) => contact.email) : []),
    send: (alert, recipient) => send(alert, recipient),
    limits: { key: 'mail:notices@contoso.com', windows },
  };
}

export function unauthenticatedAdapter(): CloudAdapter {
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
}

export interface Worker {
  outbox: OutboxDelivery;
  references: ConversationReferenceStore;
}

export async function openWorker(
  harness: Harness,
  options: Partial<Omit<OutboxDeliveryOptions, 'owner'>> & { references?: ConversationReferenceStore; owner?: string } = {},
): Promise<Worker> {
  const clock = options.clock ?? harness.clock;
  const settings = options.settings ?? testSettings();
  // One store per worker, as one process owns a DATA_DIR; a second worker stands for a restart.
  const documents = options.documents ?? new FileDocumentStore({ dataDir: harness.dataDir, clock });
  const references = options.references ?? (await ConversationReferenceStore.open(documents, { clock }));
  const lanes = options.lanes ?? new ConversationLanes({ clock, globalRatePerSecond: settings.globalRatePerSecond });
  const outbox = await OutboxDelivery.open({
    claims: harness.service,
    alertState: alertStateFrom(harness.repository),
    adapter: unauthenticatedAdapter(),
    appId: '',
    documents,
    renderAlert: testRenderer,
    owner: harness.service.instanceId,
    ...options,
    settings,
    clock,
    lanes,
    references,
  });
  return { outbox, references };
}

/** Drains until the outbox is empty or nothing moves any more (alerts left waiting). */
export async function deliverAll(worker: Worker, harness: Harness, rounds = 20): Promise<void> {
  let before = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round += 1) {
    await worker.outbox.drain();
    await worker.outbox.idle();
    const pending = (await harness.service.pendingAlerts(10_000)).length;
    if (pending === 0 || pending >= before) return;
    before = pending;
  }
}

/** The dedupe keys the stand-in accepted, with how often each arrived. */
export function deliveredKeys(connector: ProactiveConnector): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of connector.posts()) {
    if (request.status >= 300) continue;
    const key = /\[([^\]]+)\]/.exec(JSON.stringify(request.body))?.[1];
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * A clock that only moves when someone sleeps: sleeping jumps it to the wake-up instant (never
 * backwards) and resolves on the next turn of the event loop. Requests take no virtual time.
 * The limiter decides on this clock and the stand-in stamps requests with it, so the limits are
 * asserted on the same instants the limiter saw, and 500 sends over minutes run in a second.
 */
export class VirtualTime implements Clock {
  private current: number;
  constructor(start = Date.parse('2026-11-23T09:00:00.000Z')) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  millis(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    const wakeAt = this.current + Math.max(0, ms);
    return new Promise((resolve) =>
      setImmediate(() => {
        if (!signal?.aborted) this.current = Math.max(this.current, wakeAt);
        resolve();
      }),
    );
  }
}
