import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Actor } from '../services/actor.js';
import { benchPartner, benchReviewer } from './support/benchActors.js';
import { startBotProcess } from './support/botProcess.js';
import { startConnectorSink } from './support/connectorSink.js';
import { freshConnections, percentile } from './support/load.js';
import { seedInReviewClaims } from './support/seedClaims.js';
import { approveInvoke, ClaimSupply, megabytes, messageTurn } from './turns.js';

// The soak (issue 20): `conversations` people, each in their own personal chat, take turns with
// the product (startApp in its own process, as bench/turns.ts runs it) for `minutes`, each
// pausing 2-8 s between turns (about 40 turns/s for 200 people). Partners (three in four) type
// `claim <id>` and `my claims`; reviewers look at their `queue`, open claims and approve them
// (the adaptiveCard/action invoke, each on a claim no one approved before), so alerts are
// recorded and delivered to the partners' chats all along. The bot process's RSS is sampled at
// every interval, with its live heap (after a full collection: the process runs with --expose-gc,
// one forced collection a minute), so a reader can tell objects kept from memory the allocator
// did not give back; the figures are the failed turns and the growth from the second sample to
// the last (from minute 2 to minute 10 in the full run).

export interface SoakResult {
  minutes: number;
  conversations: number;
  turns: number;
  /** Turns not answered 2xx, or invokes not answered with a card (the first few in `errorSamples`). */
  errors: number;
  errorSamples: string[];
  approvals: number;
  p50Ms: number;
  p99Ms: number;
  /** RSS at the end of each sampling interval, in bytes. */
  rssSamples: number[];
  /** The V8 heap's live objects at the same moments (after a full collection), in bytes. */
  heapSamples: number[];
  /** Outside the heap, held by JavaScript objects (Buffers, ArrayBuffers), at the same moments. */
  externalSamples: number[];
  sampleEveryMs: number;
  /** (last sample - second sample) / second sample. */
  rssGrowth: number;
  /** The same for the live heap. */
  heapGrowth: number;
  /** Alerts still waiting for delivery when the turns stopped. */
  pendingAtEnd: number;
  /** Lines the bot logged (warnings and errors). */
  botLogLines: number;
}

export interface SoakOptions {
  minutes: number;
  conversations?: number;
  /** Sampling interval (default one minute). */
  sampleEveryMs?: number;
  progress?: (message: string) => void;
}

const SHOWN_CLAIMS = 200;
const THINK_MIN_MS = 2000;
const THINK_MAX_MS = 8000;

export async function runSoakBench(options: SoakOptions): Promise<SoakResult> {
  const progress = options.progress ?? (() => undefined);
  const conversations = options.conversations ?? 200;
  const sampleEveryMs = options.sampleEveryMs ?? 60_000;
  const durationMs = options.minutes * 60_000;
  const reviewers = Math.max(1, Math.round(conversations / 4));
  const partners = conversations - reviewers;
  // Enough claims for every reviewer approving on every fourth turn at the shortest pause.
  const approvable = Math.ceil((reviewers * durationMs) / THINK_MIN_MS / 4);
  const sink = await startConnectorSink();
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-soak-'));
  try {
    const seeded = await seedInReviewClaims(dataDir, SHOWN_CLAIMS + approvable, {
      creators: Array.from({ length: partners }, (_, slot) => benchPartner(slot).userId),
    });
    progress(`soak: seeded ${seeded.ids.length} InReview claims; ${partners} partners and ${reviewers} reviewers for ${options.minutes} min`);
    // The seeded copies have no PoE bytes stored: the pre-check (its own section) would only log misses.
    const product = await startBotProcess('product', dataDir, { environment: { POE_PRECHECK: 'off' }, nodeFlags: ['--expose-gc'] });
    const shown = seeded.ids.slice(0, SHOWN_CLAIMS);
    const supply = new ClaimSupply(seeded, SHOWN_CLAIMS);
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    const rssSamples: number[] = [];
    const heapSamples: number[] = [];
    const externalSamples: number[] = [];
    let botLogLines = 0;
    let pendingAtEnd = Number.NaN;
    const started = performance.now();
    const stopAt = started + durationMs;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const pick = () => shown[Math.floor(Math.random() * shown.length)]!;

    // Each turn on its own connection: people pause longer than the server keeps an idle
    // connection (5 s), and a reused one may be closed by it just as the next turn is sent
    // (ECONNRESET, the client's race, not the bot's failure).
    const say = (person: Actor, text: string) => messageTurn(sink, product.url, person, `a:bench-soak-${person.userId}`, text, freshConnections);
    const turnOf = (person: Actor, reviewer: boolean, turn: number): Promise<string> => {
      if (!reviewer) return say(person, turn % 2 === 0 ? `claim ${pick()}` : 'my claims');
      if (turn % 4 === 0) return say(person, 'queue');
      if (turn % 4 === 2) return approveInvoke(sink, product.url, person, supply.next(), seeded.version, freshConnections);
      return say(person, `claim ${pick()}`);
    };
    const conversation = async (slot: number): Promise<void> => {
      const reviewer = slot >= partners;
      const person = reviewer ? benchReviewer(slot - partners) : benchPartner(slot);
      for (let turn = 0; ; turn += 1) {
        await sleep(THINK_MIN_MS + Math.random() * (THINK_MAX_MS - THINK_MIN_MS));
        if (performance.now() >= stopAt) return;
        const sent = performance.now();
        try {
          await turnOf(person, reviewer, turn);
          latencies.push(performance.now() - sent);
        } catch (error) {
          errors += 1;
          if (errorSamples.length < 5) errorSamples.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const sampler = (async () => {
      for (let sample = 1; sample * sampleEveryMs <= durationMs; sample += 1) {
        await sleep(started + sample * sampleEveryMs - performance.now());
        const memory = await product.memory();
        rssSamples.push(memory.rss);
        heapSamples.push(memory.heapUsed);
        externalSamples.push(memory.external);
        progress(
          `soak: ${((sample * sampleEveryMs) / 60_000).toFixed(1)} min: RSS ${megabytes(memory.rss)}, heap ${megabytes(memory.heapUsed)}, external ${megabytes(memory.external)}, ${latencies.length} turns, ${errors} errors`,
        );
      }
    })();
    try {
      await Promise.all([sampler, ...Array.from({ length: conversations }, (_, slot) => conversation(slot))]);
      pendingAtEnd = await product.pendingAlerts();
    } finally {
      botLogLines = await product.stop();
    }
    latencies.sort((a, b) => a - b);
    const growth = (samples: number[]) => ((samples.at(-1) ?? Number.NaN) - (samples[1] ?? Number.NaN)) / (samples[1] ?? Number.NaN);
    return {
      minutes: options.minutes,
      conversations,
      turns: latencies.length + errors,
      errors,
      errorSamples,
      approvals: supply.used,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      rssSamples,
      heapSamples,
      externalSamples,
      sampleEveryMs,
      rssGrowth: growth(rssSamples),
      heapGrowth: growth(heapSamples),
      pendingAtEnd,
      botLogLines,
    };
  } finally {
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
