import { z } from 'zod';
import { formatInstant, formatSize } from './answers.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, formText } from './forms.js';
import { StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';
import { beginClaimAction, collectStep } from './claimActionSteps.js';
import { literal } from '../cards/markdown.js';

// Dispute a rejection with a justification and/or new PoE. A rejected claim takes no PoE on its
// own, so new files are stored and held until the dispute carries them in one command.

export const DISPUTE_DIALOG = 'dispute';

const DisputeForm = z.object({ justification: formText }).strict();

async function dispute(ctx: StepContext, typed: string | undefined): Promise<StepResult> {
  const { t, state } = ctx;
  const justification = (typed?.trim() || state.pendingText || '').trim();
  if (!justification && state.pendingPoe.length === 0) return { kind: 'retry', say: t.t('dialogs.dispute.nothingAdded') };
  const held = [...state.pendingPoe];
  const outcome = await ctx.write((version) =>
    ctx.services.claims.dispute(ctx.turn.actor, state.claimId!, version, {
      ...(justification ? { justification } : {}),
      ...(held.length ? { poe: held } : {}),
    }),
  );
  if (!outcome.ok) {
    // The dialog ends without a dispute: the held files belong to no claim.
    if (outcome.result.kind === 'end')
      await discardHeld(
        ctx.services,
        held.map((file) => file.storagePath),
      );
    return outcome.result;
  }
  state.pendingPoe = [];
  return {
    kind: 'end',
    say: t.t('dialogs.dispute.done', {
      claimId: outcome.claim.id,
      due: formatInstant(t, outcome.claim.deadlines.disputeDecision, ctx.turn.user.timeZone),
    }),
  };
}

export async function discardHeld(services: FlowServices, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => services.poe.remove(path)));
}

const disputeStep = collectStep({
  messages: 'dispute',
  noted: 'dialogs.dispute.justificationNoted',
  files: 'hold',
  form: DisputeForm,
  action: 'dispute',
  word: 'dispute',
  textOf: (fields) => fields.justification,
  run: dispute,
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { t } = ctx;
    const rejection = claim.rejection;
    return [
      choiceCard({
        title: t.t('dialogs.dispute.title', { claimId: claim.id }),
        text: t.t('dialogs.dispute.text'),
        facts: [
          { title: t.t('dialogs.labels.reason'), value: rejection ? t.t(`claims.rejectionReason.${rejection.reason}`) : t.t('dialogs.common.none') },
          { title: t.t('dialogs.labels.reviewerComment'), value: rejection?.comment || t.t('dialogs.common.none') },
          { title: t.t('dialogs.labels.disputeBy'), value: formatInstant(t, claim.deadlines.disputeWindow, ctx.turn.user.timeZone) },
        ],
        lines: ctx.state.pendingPoe.map((file) => t.t('dialogs.poe.line', { name: literal(file.name), size: formatSize(t, file.size) })),
        input: {
          id: 'justification',
          label: t.t('dialogs.dispute.justificationLabel'),
          placeholder: t.t('dialogs.dispute.justificationPlaceholder'),
          value: ctx.state.pendingText ?? '',
          multiline: true,
        },
        hint: t.t('dialogs.dispute.hint'),
        actions: [ctx.buttons.action(t.t('dialogs.dispute.disputeButton'), 'dispute', {}, 'positive')],
      }),
    ];
  },
});

export class DisputeDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [disputeStep];

  constructor(services: FlowServices) {
    super(DISPUTE_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    await beginClaimAction(ctx, 'dispute');
    return { kind: 'next' };
  }
}
