import { z } from 'zod';
import { authorize } from '../services/access.js';
import { rowFor } from '../services/lifecycle.js';
import { formatInstant, isWord } from './answers.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, formText, parseForm } from './forms.js';
import { takeFiles } from './poeIntake.js';
import { refuse, StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';

// Respond to a request for information: show the reviewer's reasons and comment, take new PoE
// (attached at once) and/or a comment, then resubmit; the comment travels with the resubmission.

export const RESPOND_DIALOG = 'respond';

const ResubmitForm = z.object({ comment: formText }).strict();

async function resubmit(ctx: StepContext, typed: string | undefined): Promise<StepResult> {
  const { t, state } = ctx;
  const comment = (typed?.trim() || state.pendingText || '').trim();
  if (!comment && state.added === 0) return { kind: 'retry', say: t.t('dialogs.respond.nothingAdded') };
  const outcome = await ctx.write((version) =>
    ctx.services.claims.resubmit(ctx.turn.actor, state.claimId!, version, comment ? { comment } : {}),
  );
  if (!outcome.ok) return outcome.result;
  return {
    kind: 'end',
    say: t.t('dialogs.respond.done', {
      claimId: outcome.claim.id,
      due: formatInstant(t, outcome.claim.deadlines.reviewDecision, ctx.turn.user.timeZone),
    }),
  };
}

const collectStep: Step = {
  id: 'collect',
  freeText: true,
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { t } = ctx;
    const request = claim.informationRequest;
    return [
      choiceCard({
        title: t.t('dialogs.respond.title', { claimId: claim.id }),
        text: t.t('dialogs.respond.text'),
        facts: [
          { title: t.t('dialogs.labels.respondBy'), value: formatInstant(t, claim.deadlines.partnerResponse, ctx.turn.user.timeZone) },
          { title: t.t('dialogs.labels.reviewerComment'), value: request?.comment || t.t('dialogs.common.none') },
          { title: t.t('dialogs.labels.poe'), value: String(claim.poe.length) },
        ],
        lines: (request?.reasons ?? []).map((reason) => t.t(`claims.informationReason.${reason}`)),
        note: ctx.state.added ? t.t('dialogs.respond.addedSoFar', { count: ctx.state.added }) : '',
        input: {
          id: 'comment',
          label: t.t('dialogs.respond.commentLabel'),
          placeholder: t.t('dialogs.respond.commentPlaceholder'),
          value: ctx.state.pendingText ?? '',
          multiline: true,
        },
        hint: t.t('dialogs.respond.hint'),
        actions: [ctx.buttons.action(t.t('dialogs.respond.resubmitButton'), 'resubmit', {}, 'positive')],
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    if (entry.kind === 'files') {
      const intake = await takeFiles(ctx, 'attach');
      return { kind: 'stay', say: [...intake.lines, t.t('dialogs.respond.more')].join('\n\n') };
    }
    if (entry.kind === 'form') {
      const parsed = parseForm(ResubmitForm, entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      if (entry.action !== 'resubmit') return { kind: 'retry', say: t.t('dialogs.form.invalid') };
      return resubmit(ctx, parsed.data.comment);
    }
    if (isWord(t, entry.text, 'resubmit')) return resubmit(ctx, undefined);
    const text = entry.text.trim();
    if (!text) return { kind: 'retry', say: t.t('dialogs.respond.nothingAdded') };
    if (text.length > 4000) return { kind: 'retry', say: t.t('dialogs.common.tooLong', { max: 4000 }) };
    ctx.state.pendingText = text;
    return { kind: 'stay', say: t.t('dialogs.respond.commentNoted') };
  },
};

export class RespondDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [collectStep];

  constructor(services: FlowServices) {
    super(RESPOND_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    const claim = await ctx.claim();
    authorize('resubmit', ctx.turn.actor, claim);
    if (!rowFor('resubmit', claim.status)) refuse(claim, 'resubmit');
    ctx.state.version = claim.version;
    return { kind: 'next' };
  }
}
