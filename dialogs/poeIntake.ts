import { describePoeProblem, formatSize } from './answers.js';
import { PoeFileError } from './poeFiles.js';
import type { StepContext } from './stepDialog.js';
import { literal } from '../cards/markdown.js';

// Taking the files of one message: each is refused, or downloaded and stored, then either
// attached to the claim at once (`attach`) or held for the command that ends the dialog
// (`hold`: a dispute carries its new PoE with it). One message per file says what happened.

export interface Intake {
  received: number;
  lines: string[];
}

export async function takeFiles(ctx: StepContext, mode: 'attach' | 'hold'): Promise<Intake> {
  const { poe, claims } = ctx.services;
  const { t, turn, state } = ctx;
  const { files, refused } = poe.filesIn(ctx.context.activity);
  const lines = refused.map((error) => describePoeProblem(t, error, poe.rules));
  if (!files.length) return { received: 0, lines };

  const claim = await ctx.claim();
  const authorization = files.some((file) => file.kind === 'inline-image') ? await ctx.services.imageAuthorization(ctx.context) : undefined;
  let received = 0;
  for (const file of files) {
    // Read again each time: an attached file changes the claim (and the cached copy).
    if ((await ctx.claim()).poe.length + state.pendingPoe.length >= poe.rules.maxFiles) {
      lines.push(t.t('dialogs.poe.problem.too-many', { name: literal(file.name), max: poe.rules.maxFiles }));
      continue;
    }
    let stored;
    try {
      stored = await poe.store(file, claim.id, authorization);
    } catch (error) {
      if (!(error instanceof PoeFileError)) throw error;
      ctx.services.log?.(`PoE ${file.name} for ${claim.id} refused`, error);
      lines.push(describePoeProblem(t, error, poe.rules));
      continue;
    }
    if (mode === 'hold') {
      state.pendingPoe.push(stored);
    } else {
      const outcome = await ctx.write((version) => claims.addPoe(turn.actor, claim.id, version, stored));
      if (!outcome.ok) {
        // The claim did not take the file: do not keep its bytes.
        await poe.remove(stored.storagePath);
        const say = 'say' in outcome.result ? outcome.result.say : undefined;
        lines.push(typeof say === 'string' ? say : t.t('dialogs.poe.problem.download-failed', { name: literal(file.name) }));
        continue;
      }
    }
    received += 1;
    lines.push(t.t('dialogs.poe.received', { name: literal(stored.name), size: formatSize(t, stored.size) }));
  }
  state.added += mode === 'attach' ? received : 0;
  return { received, lines };
}
