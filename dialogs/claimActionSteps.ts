import type { z } from 'zod';
import { authorize } from '../services/access.js';
import { rowFor, type Action } from '../services/lifecycle.js';
import type { Claim } from '../services/model.js';
import { isWord, type Word } from './answers.js';
import { parseForm, type Reply } from './forms.js';
import { receiveFiles } from './poeReplies.js';
import { refuse, type Step, type StepContext, type StepResult } from './stepDialog.js';

// What the dialogs that act on an existing claim (respond, dispute, withdraw) share: the check
// before asking anything, and a step that gathers a text and/or files before one command.

/**
 * Refuses at once, with the service's own reason (a final rejection, a closed window, a dispute
 * already used), when the actor may not take `action` now: nothing is asked that can't succeed.
 */
export async function beginClaimAction(ctx: StepContext, action: Action): Promise<Claim> {
  const claim = await ctx.claim();
  authorize(action, ctx.turn.actor, claim);
  if (!rowFor(action, claim.status, claim.consentPhase)) refuse(claim, action);
  const refusal = ctx.services.claims.refusal(ctx.turn.actor, claim, action);
  if (refusal) throw refusal;
  ctx.state.version = claim.version;
  return claim;
}

export interface CollectStepOptions<S extends z.ZodType> {
  /** Message keys: `dialogs.<messages>.more`, `.nothingAdded` and `noted` below. */
  messages: 'respond' | 'dispute';
  noted: string;
  /** Files are attached to the claim at once, or held until the command carries them. */
  files: 'attach' | 'hold';
  form: S;
  /** The form button and the typed word that run the command. */
  action: string;
  word: Word;
  prompt(ctx: StepContext): Promise<Reply[]>;
  textOf(fields: z.output<S>): string | undefined;
  run(ctx: StepContext, text: string | undefined): Promise<StepResult>;
}

const MAX_TEXT = 4000;

export function collectStep<S extends z.ZodType>(options: CollectStepOptions<S>): Step {
  const key = (name: string) => `dialogs.${options.messages}.${name}`;
  return {
    id: 'collect',
    freeText: true,
    prompt: (ctx) => options.prompt(ctx),
    async handle(ctx, entry) {
      const { t } = ctx;
      if (entry.kind === 'files') {
        const intake = await receiveFiles(ctx, options.files);
        return { kind: 'stay', say: [...intake.lines, t.t(key('more'))].join('\n\n') };
      }
      if (entry.kind === 'form') {
        const parsed = parseForm(options.form, entry.fields, t);
        if (!parsed.ok) return { kind: 'retry', say: parsed.message };
        if (entry.action !== options.action) return { kind: 'retry', say: t.t('dialogs.form.invalid') };
        return options.run(ctx, options.textOf(parsed.data));
      }
      if (isWord(t, entry.text, options.word)) return options.run(ctx, undefined);
      const text = entry.text.trim();
      if (!text) return { kind: 'retry', say: t.t(key('nothingAdded')) };
      if (text.length > MAX_TEXT) return { kind: 'retry', say: t.t('dialogs.common.tooLong', { max: MAX_TEXT }) };
      ctx.state.pendingText = text;
      return { kind: 'stay', say: t.t(options.noted) };
    },
  };
}
