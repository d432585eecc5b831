import { z } from 'zod';
import { formatInstant } from './answers.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, formText } from './forms.js';
import { StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';
import { beginClaimAction, collectStep } from './claimActionSteps.js';

// Respond to a request for information: show the reviewer's reasons and comment, take new PoE
// (attached at once) and/or a comment, then resubmit; the comment travels with the resubmission.

export const RESPOND_DIALOG = 'respond';

const ResubmitForm = z.object({ comment: formText }).strict();

async function resubmit(ctx: StepContext, typed: string | undefined): Promise<StepResult> {
  const { t, state } = ctx;
  const comment = (typed?.trim() || state.pendingText || '').trim();
  if (!comment && state.added === 0) return { kind: 'retry', say: t.t('dialogs.respond.nothingAdded') };
  const outcome = await ctx.write((version) => ctx.services.claims.resubmit(ctx.turn.actor, state.claimId!, version, comment ? { comment } : {}));
  if (!outcome.ok) return outcome.result;
  return {
    kind: 'end',
    say: t.t('dialogs.respond.done', {
      claimId: outcome.claim.id,
      due: formatInstant(t, outcome.claim.deadlines.reviewDecision, ctx.turn.user.timeZone),
    }),
  };
}

const respondStep = collectStep({
  messages: 'respond',
  noted: 'dialogs.respond.commentNoted',
  files: 'attach',
  form: ResubmitForm,
  action: 'resubmit',
  word: 'resubmit',
  textOf: (fields) => fields.comment,
  run: resubmit,
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
});

export class RespondDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [respondStep];

  constructor(services: FlowServices) {
    super(RESPOND_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    await beginClaimAction(ctx, 'resubmit');
    return { kind: 'next' };
  }
}
