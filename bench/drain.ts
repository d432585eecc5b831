import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TEAMS_CONVERSATION_WINDOWS } from '../bot/proactive/rateLimiter.js';
import { worstWindow } from '../test/support/rateWindows.js';
import { startBotProcess } from './support/botProcess.js';
import { startConnectorSink, type Arrival } from './support/connectorSink.js';
import { seedOutbox } from './support/seedOutbox.js';
import { activity } from './turns.js';

// The outbox drain (issue 20): a backlog of alerts waiting in the outbox, drained by the product
// (startApp in its own process, as bench/turns.ts runs it, default delivery settings) to the
// stand-in connector, which answers at once. The figure is the rate at which the alerts reach
// the connector, against Teams' published ceiling of 50 requests per second per app; and, from
// the arrival times the connector noted, the most requests any one conversation received in any
// 1 s, 2 s, 30 s and 3600 s window (Teams: 7, 8, 60 and 1800 per bot per conversation).

/** Teams' published per-app rate (requests per second), the physical ceiling of a drain. */
export const TEAMS_APP_CEILING_PER_SECOND = 50;
/** Teams' per-bot, per-conversation limits; the product enforces the first three. */
export const TEAMS_CONVERSATION_LIMITS = [...TEAMS_CONVERSATION_WINDOWS, { limit: 1800, windowMs: 3_600_000 }] as const;

export interface DrainResult {
  alerts: number;
  claims: number;
  conversations: number;
  /** Requests the connector received (one per alert: each is addressed to one chat). */
  requests: number;
  /** Alerts still pending in the product once the requests stopped arriving. */
  pendingAfter: number;
  /** From the first request's arrival to the last's. */
  drainMs: number;
  /** (requests - 1) / drain time: exactly the ceiling for requests evenly spaced at it. */
  perSecond: number;
  /** From the product listening to the first request (start-up: the store read, the first pass). */
  firstRequestAfterMs: number;
  /** The most requests any conversation received in any window of each length, longest last. */
  maxPerConversation: { windowMs: number; limit: number; most: number }[];
  /** The most requests the connector received in any 1 s (the app's rate). */
  maxPerSecond: number;
  timedOut: boolean;
}

export interface DrainOptions {
  alerts: number;
  partners?: number;
  reviewers?: number;
  /** Write a CPU profile of the product process into this folder. */
  profileDir?: string;
  progress?: (message: string) => void;
}

export async function runDrainBench(options: DrainOptions): Promise<DrainResult> {
  const progress = options.progress ?? (() => undefined);
  const sink = await startConnectorSink();
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-drain-'));
  try {
    const seeded = await seedOutbox(dataDir, {
      alerts: options.alerts,
      partners: options.partners ?? 150,
      reviewers: options.reviewers ?? 50,
      serviceUrl: sink.url,
      activityOf: (user, conversationId) => activity(sink, user, conversationId, 'message'),
    });
    progress(`drain: ${seeded.alerts} alerts pending in ${seeded.claims} claims, for ${seeded.conversations} conversations`);
    sink.timeline(true);
    const product = await startBotProcess('product', dataDir, {
      nodeFlags: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
      // The seeded copies have no PoE bytes stored: the pre-check (its own section) would only log misses.
      environment: { POE_PRECHECK: 'off' },
    });
    const listening = performance.now();
    // Generous: twice the time the ceiling allows, plus a minute; a slower product is reported, not waited for.
    const giveUpAt = listening + (2 * seeded.alerts * 1000) / TEAMS_APP_CEILING_PER_SECOND + 60_000;
    let pendingAfter = Number.NaN;
    let timedOut = false;
    try {
      let reported = 0;
      while (sink.arrivals().length < seeded.alerts) {
        if (performance.now() > giveUpAt) {
          timedOut = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
        const arrived = sink.arrivals().length;
        if (arrived - reported >= seeded.alerts / 10) {
          reported = arrived;
          progress(`drain: ${arrived} of ${seeded.alerts} delivered after ${((performance.now() - listening) / 1000).toFixed(0)} s`);
        }
      }
      // The last sends are recorded right after their answer: give them a moment.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        pendingAfter = await product.pendingAlerts();
        if (pendingAfter === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      sink.timeline(false);
      await product.stop();
    }
    const arrivals = [...sink.arrivals()];
    const first = arrivals[0]?.at ?? Number.NaN;
    const last = arrivals.at(-1)?.at ?? Number.NaN;
    const drainMs = last - first;
    return {
      ...seeded,
      requests: arrivals.length,
      pendingAfter,
      drainMs,
      perSecond: ((arrivals.length - 1) * 1000) / drainMs,
      firstRequestAfterMs: first - listening,
      maxPerConversation: TEAMS_CONVERSATION_LIMITS.map(({ windowMs, limit }) => ({ windowMs, limit, most: mostPerConversation(arrivals, windowMs) })),
      maxPerSecond: worstWindow(arrivals, 1000),
      timedOut,
    };
  } finally {
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The most arrivals any one conversation had inside any window of `windowMs`. */
export function mostPerConversation(arrivals: readonly Arrival[], windowMs: number): number {
  const byConversation = new Map<string, Arrival[]>();
  for (const arrival of arrivals) {
    const own = byConversation.get(arrival.conversationId) ?? [];
    own.push(arrival);
    byConversation.set(arrival.conversationId, own);
  }
  let most = 0;
  for (const own of byConversation.values()) most = Math.max(most, worstWindow(own, windowMs));
  return most;
}
