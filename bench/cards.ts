import { performance } from 'node:perf_hooks';
import * as ACData from 'adaptivecards-templating';
import { renderClaimCard, type Viewer } from '../cards/index.js';
import { claimCardData, claimCardTemplate, type ClaimCardOptions } from '../cards/claimCard.js';
import { translatorFor } from '../cards/i18n/i18n.js';
import { templateJson } from '../cards/template.js';
import type { Claim } from '../services/model.js';
import { claimAt, createHarness, m365Details } from '../test/support/serviceHarness.js';
import { median } from './support/load.js';
import type { Action } from '../services/lifecycle.js';

// Expanding the claim card template: renderClaimCard for a typical claim (OSU-M365, InReview,
// taken there through the claim service, so it has its PoE, history, deadlines and timers), as
// a reviewer in Europe/Madrid sees it (the role with the most actions). Beside it, on the same
// prepared data: the expansion alone (CardTemplate.expand, path reads compiled), and the library's
// floor (adaptivecards-templating's own Template, parsed once, expanding it as it ships). Each run
// times `cards` cards of each back to back, the three in turn, after a warm-up; the figure is
// microseconds per card, median of the runs (min–max beside it).

export interface CardFigure {
  /** Median over runs of the mean time per card. */
  micros: number;
  runs: number[];
}

export interface CardBenchResult {
  /** renderClaimCard: the data prepared (the claim's texts kept by claim, language and zone) and expanded. */
  card: CardFigure;
  /** CardTemplate.expand alone on the prepared data (the compiled template, leaving nulls out). */
  expansion: CardFigure;
  /** The library's Template.expand on the same data and template, nothing compiled: its floor. */
  library: CardFigure;
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
  const cardOptions: ClaimCardOptions = { allowed, refreshUserIds: ['29:reviewer-1'] };
  const data = claimCardData(claim, viewer, cardOptions);
  const library = new ACData.Template(templateJson(claimCardTemplate.name));
  const subjects = {
    card: () => renderClaimCard(claim, viewer, cardOptions),
    expansion: () => claimCardTemplate.expand(data),
    library: () => library.expand({ $root: data }) as { version: string },
  };
  let sink = 0;
  for (const render of Object.values(subjects)) for (let i = 0; i < (options.warmup ?? 500); i += 1) sink += render().version.length;
  const perRun = { card: [] as number[], expansion: [] as number[], library: [] as number[] };
  for (let run = 0; run < runs; run += 1) {
    // In turn within each run, so a busy moment on the machine falls on all three alike.
    for (const [name, render] of Object.entries(subjects) as [keyof typeof subjects, () => { version: string }][]) {
      const start = performance.now();
      for (let i = 0; i < cards; i += 1) sink += render().version.length;
      perRun[name].push(((performance.now() - start) * 1000) / cards);
    }
  }
  if (sink === 0) throw new Error('rendered empty cards');
  const figure = (values: number[]): CardFigure => ({ micros: median(values), runs: values });
  return {
    card: figure(perRun.card),
    expansion: figure(perRun.expansion),
    library: figure(perRun.library),
    cardsPerRun: cards,
    cardBytes: JSON.stringify(subjects.card()).length,
  };
}
