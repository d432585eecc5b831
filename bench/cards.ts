import { performance } from 'node:perf_hooks';
import { renderClaimCard, type Viewer } from '../cards/index.js';
import { translatorFor } from '../cards/i18n/i18n.js';
import type { Claim } from '../services/model.js';
import { claimAt, createHarness, m365Details } from '../test/support/serviceHarness.js';
import { median } from './support/load.js';
import type { Action } from '../services/lifecycle.js';

// Expanding the claim card template: renderClaimCard for a typical claim (OSU-M365, InReview,
// taken there through the claim service, so it has its PoE, history, deadlines and timers), as
// a reviewer in Europe/Madrid sees it (the role with the most actions). Each run renders `cards`
// cards back to back after a warm-up; the figure is microseconds per card, median of the runs.

export interface CardBenchResult {
  /** Median over runs of the mean time per card. */
  microsPerCard: number;
  runs: number[];
  cardsPerRun: number;
  /** Size of one rendered card, as JSON. */
  cardBytes: number;
}

export async function typicalClaim(): Promise<Claim> {
  const harness = await createHarness();
  try {
    return await claimAt(harness, 'InReview', m365Details());
  } finally {
    await harness.cleanup();
  }
}

/** A reviewer reading the card at `now` (the claim's own time in the bench, never today's date). */
export function reviewerViewer(now: Date): Viewer {
  return { userId: 'reviewer-1', teamsUserId: '29:reviewer-1', role: 'reviewer', translator: translatorFor('en-US'), timeZone: 'Europe/Madrid', now };
}

export async function runCardBench(options: { runs?: number; cards?: number; warmup?: number } = {}): Promise<CardBenchResult> {
  const runs = options.runs ?? 3;
  const cards = options.cards ?? 2000;
  const claim = await typicalClaim();
  const viewer = reviewerViewer(new Date(claim.updatedAt));
  // What the service lets a reviewer do with a claim in review.
  const allowed = new Set<Action>(['requestInformation', 'approve', 'reject', 'comment']);
  const render = () => renderClaimCard(claim, viewer, { allowed, refreshUserIds: ['29:reviewer-1'] });
  let sink = 0;
  for (let i = 0; i < (options.warmup ?? 500); i += 1) sink += render().version.length;
  const perRun: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    for (let i = 0; i < cards; i += 1) sink += render().version.length;
    perRun.push(((performance.now() - start) * 1000) / cards);
  }
  if (sink === 0) throw new Error('rendered empty cards');
  return { microsPerCard: median(perRun), runs: perRun, cardsPerRun: cards, cardBytes: JSON.stringify(render()).length };
}
