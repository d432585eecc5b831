import { describePoeProblem, formatSize } from './answers.js';
import { takeFiles, type FileOutcome } from '../poe/poeIntake.js';
import type { StepContext } from './stepDialog.js';
import { literal } from '../cards/markdown.js';

// The files of one message, in a conversation step: poe/ takes them, attached to the claim at
// once (`attach`) or held for the command that ends the dialog (`hold`); one line per file says
// what happened, in the reader's language.

export interface Intake {
  received: number;
  lines: string[];
}

export async function receiveFiles(ctx: StepContext, mode: 'attach' | 'hold'): Promise<Intake> {
  const { poe, claims } = ctx.services;
  const { turn, state } = ctx;
  const outcomes = await takeFiles(poe, ctx.context.activity, {
    current: () => ctx.claim(),
    held: () => state.pendingPoe.length,
    keep: async (file, claimId) => {
      if (mode === 'hold') {
        state.pendingPoe.push(file);
        return { ok: true };
      }
      const outcome = await ctx.write((version) => claims.addPoe(turn.actor, claimId, version, file));
      if (outcome.ok) return { ok: true };
      const say = 'say' in outcome.result ? outcome.result.say : undefined;
      return typeof say === 'string' ? { ok: false, say } : { ok: false };
    },
    imageAuthorization: () => ctx.services.imageAuthorization(ctx.context),
    ...(ctx.services.log ? { log: ctx.services.log } : {}),
  });
  const received = outcomes.filter((outcome) => outcome.kind === 'received').length;
  state.added += mode === 'attach' ? received : 0;
  return { received, lines: outcomes.map((outcome) => lineFor(ctx, outcome, mode)) };
}

function lineFor({ t, services }: StepContext, outcome: FileOutcome, mode: 'attach' | 'hold'): string {
  switch (outcome.kind) {
    case 'received': {
      const line = t.t('dialogs.poe.received', { name: literal(outcome.file.name), size: formatSize(t, outcome.file.size) });
      // A held file is checked once the command that holds it attaches it.
      return services.precheck && mode === 'attach' ? `${line} ${t.t('dialogs.poe.beingChecked')}` : line;
    }
    case 'refused':
      return describePoeProblem(t, outcome.error, services.poe.rules);
    case 'too-many':
      return t.t('dialogs.poe.problem.too-many', { name: literal(outcome.name), max: services.poe.rules.maxFiles });
    case 'not-kept':
      return outcome.say ?? t.t('dialogs.poe.problem.download-failed', { name: literal(outcome.name) });
  }
}
