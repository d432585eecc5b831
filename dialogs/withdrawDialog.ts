import { z } from 'zod';
import { isWord } from './answers.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, formText, parseForm } from './forms.js';
import { StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';
import { beginClaimAction } from './claimActionSteps.js';

// Withdraw, after a confirmation: the claim ends as Rejected (Partner request) and cannot be
// disputed, so the question says so and an optional reason goes into the history.

export const WITHDRAW_DIALOG = 'withdraw';

const ConfirmForm = z.object({ reason: formText }).strict();
const KeepForm = z.object({}).strict();

async function withdraw(ctx: StepContext, reason: string | undefined): Promise<StepResult> {
  const comment = reason?.trim();
  const outcome = await ctx.write((version) => ctx.services.claims.withdraw(ctx.turn.actor, ctx.state.claimId!, version, comment ? { comment } : {}));
  if (!outcome.ok) return outcome.result;
  return { kind: 'end', say: ctx.t.t('dialogs.withdraw.done', { claimId: outcome.claim.id }) };
}

const confirmStep: Step = {
  id: 'confirm',
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { t } = ctx;
    return [
      choiceCard({
        title: t.t('dialogs.withdraw.title', { claimId: claim.id }),
        text: t.t('dialogs.withdraw.text', { status: t.t(`claims.status.${claim.status}`) }),
        input: {
          id: 'reason',
          label: t.t('dialogs.withdraw.reasonLabel'),
          placeholder: t.t('dialogs.withdraw.reasonPlaceholder'),
          value: '',
          multiline: true,
        },
        hint: t.t('dialogs.withdraw.hint'),
        actions: [
          ctx.buttons.action(t.t('dialogs.withdraw.confirmButton'), 'confirm', {}, 'destructive'),
          ctx.buttons.choice(t.t('dialogs.withdraw.keepButton'), 'keep'),
        ],
      }),
    ];
  },
  async handle(ctx, entry) {
    const { t } = ctx;
    const keep: StepResult = { kind: 'end', say: t.t('dialogs.withdraw.kept', { claimId: ctx.state.claimId! }) };
    if (entry.kind === 'files') return { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    if (entry.kind === 'form') {
      if (entry.action === 'keep') {
        const parsed = parseForm(KeepForm, entry.fields, t);
        return parsed.ok ? keep : { kind: 'retry', say: parsed.message };
      }
      const parsed = parseForm(ConfirmForm, entry.fields, t);
      if (!parsed.ok) return { kind: 'retry', say: parsed.message };
      if (entry.action !== 'confirm') return { kind: 'retry', say: t.t('dialogs.form.invalid') };
      return withdraw(ctx, parsed.data.reason);
    }
    if (isWord(t, entry.text, 'yes')) return withdraw(ctx, undefined);
    if (isWord(t, entry.text, 'no')) return keep;
    return { kind: 'retry', say: t.t('dialogs.withdraw.yesOrNo') };
  },
};

export class WithdrawDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [confirmStep];

  constructor(services: FlowServices) {
    super(WITHDRAW_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    await beginClaimAction(ctx, 'withdraw');
    return { kind: 'next' };
  }
}
