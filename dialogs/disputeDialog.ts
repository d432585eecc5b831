import { z } from 'zod';
import { authorize } from '../services/access.js';
import { rowFor } from '../services/lifecycle.js';
import { formatInstant, formatSize, isWord } from './answers.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, formText, parseForm } from './forms.js';
import { takeFiles } from './poeIntake.js';
import { refuse, StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';

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
    if (outcome.result.kind === 'end') await discardHeld(ctx.services, held.map((file) => file.storagePath));
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

const collectStep: Step = {
  id: 'collect',
  freeText: true,
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
        lines: ctx.state.pendingPoe.map((file) => t.t('dialogs.poe.line', { name: file.name, size: formatSize(t, file.size) })),
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
  async handle(ctx, entry) {
    const { t } = ctx;
    if (entry.kind === 'files') {
      const intake = await takeFiles(ctx, 'hold');
      return { kind: 'stay', say: [...intake.lines, t.t('dialogs.dispute.more')].join('\n\n') };
    }
    if (entry.kind === 'form') {
      const parsed = parseForm(DisputeForm, entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      if (entry.action !== 'dispute') return { kind: 'retry', say: t.t('dialogs.form.invalid') };
      return dispute(ctx, parsed.data.justification);
    }
    if (isWord(t, entry.text, 'dispute')) return dispute(ctx, undefined);
    const text = entry.text.trim();
    if (!text) return { kind: 'retry', say: t.t('dialogs.dispute.nothingAdded') };
    if (text.length > 4000) return { kind: 'retry', say: t.t('dialogs.common.tooLong', { max: 4000 }) };
    ctx.state.pendingText = text;
    return { kind: 'stay', say: t.t('dialogs.dispute.justificationNoted') };
  },
};

export class DisputeDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [collectStep];

  constructor(services: FlowServices) {
    super(DISPUTE_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    const claim = await ctx.claim();
    authorize('dispute', ctx.turn.actor, claim);
    if (!rowFor('dispute', claim.status)) refuse(claim, 'dispute');
    ctx.state.version = claim.version;
    return { kind: 'next' };
  }
}
