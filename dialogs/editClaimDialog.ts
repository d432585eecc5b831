import { authorize } from '../services/access.js';
import { requiresSubscription } from '../services/catalogue.js';
import { rowFor } from '../services/lifecycle.js';
import type { Claim } from '../services/model.js';
import { z } from 'zod';
import { isWord } from './answers.js';
import { activityStep, CLAIM_FIELD_STEPS, claimFacts, poeStep, summaryStep } from './claimSteps.js';
import type { FlowServices } from './flowContext.js';
import { choiceCard, parseForm } from './forms.js';
import { refuse, StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';

// Edit: a menu of the fields the claim's status lets a partner change (a draft: all of them;
// Submitted or PartnerActionRequired, when the policy allows: PartnerID, workloads, contacts and
// new PoE). Each field is the same step the create dialog uses; the service has the last word.

export const EDIT_CLAIM_DIALOG = 'edit-claim';

const DRAFT_FIELDS = ['program', 'activity', 'partnerId', 'customer', 'subscription', 'workloads', 'contacts', 'poe'] as const;
const SUBMITTED_FIELDS = ['partnerId', 'workloads', 'contacts', 'poe'] as const;
type FieldStep = (typeof DRAFT_FIELDS)[number];

async function editableFields(ctx: StepContext, claim: Claim): Promise<FieldStep[]> {
  const candidates: readonly FieldStep[] = claim.status === 'Draft' ? DRAFT_FIELDS : SUBMITTED_FIELDS;
  const fields: FieldStep[] = [];
  for (const field of candidates) {
    if (field === 'partnerId' && (ctx.turn.actor.organisation?.partnerIds.length ?? 0) < 2) continue;
    if (field === 'subscription' && !(claim.details.program && requiresSubscription(claim.details.program))) continue;
    if (field === 'activity' && !(await activityStep.applies!(ctx))) continue;
    fields.push(field);
  }
  return fields;
}

const MenuForm = z.object({ field: z.string() }).strict();

const menuStep: Step = {
  id: 'menu',
  async prompt(ctx) {
    const claim = await ctx.claim();
    const { t } = ctx;
    const fields = await editableFields(ctx, claim);
    return [
      choiceCard({
        title: t.t('dialogs.edit.title', { claimId: claim.id }),
        text: t.t('dialogs.edit.text'),
        facts: claimFacts(t, claim, ctx.turn.user.timeZone),
        hint: t.t('dialogs.edit.hint'),
        actions: [
          ...fields.map((field) => ctx.buttons.choice(t.t(`dialogs.edit.fields.${field}`), 'field', { field })),
          ctx.buttons.choice(t.t('dialogs.edit.doneButton'), 'done', {}, 'positive'),
        ],
      }),
    ];
  },
  async handle(ctx, entry): Promise<StepResult> {
    const claim = await ctx.claim();
    const { t } = ctx;
    const fields = await editableFields(ctx, claim);
    let choice: FieldStep | 'done' | undefined;
    if (entry.kind === 'files') {
      // Files sent at the menu are new PoE: take them at the PoE step.
      return fields.includes('poe') ? poeStep.handle(ctx, entry) : { kind: 'retry', say: t.t('dialogs.poe.notNow') };
    }
    if (entry.kind === 'form') {
      if (entry.action === 'done') {
        choice = 'done';
      } else {
        const parsed = parseForm(MenuForm, entry.fields, t);
        if (!parsed.ok) return { kind: 'retry', say: parsed.message };
        choice = fields.find((field) => field === parsed.data.field);
        if (!choice) return { kind: 'retry', say: t.t('dialogs.form.invalid') };
      }
    } else if (isWord(t, entry.text, 'done')) {
      choice = 'done';
    } else {
      const typed = entry.text.trim().toLowerCase();
      choice = fields.find((field, index) => typed === String(index + 1) || typed === t.t(`dialogs.edit.fields.${field}`).toLowerCase());
      if (!choice) return { kind: 'retry', say: t.t('dialogs.edit.pickField') };
    }
    if (choice !== 'done') return { kind: 'goto', step: choice };
    // A draft goes on to the summary, where it can be submitted; other claims are done.
    if (claim.status === 'Draft') return { kind: 'goto', step: 'summary' };
    return { kind: 'end', say: t.t('dialogs.edit.done', { claimId: claim.id }) };
  },
};

export class EditClaimDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [menuStep, ...CLAIM_FIELD_STEPS, summaryStep];

  constructor(services: FlowServices) {
    super(EDIT_CLAIM_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    const claim = await ctx.claim();
    authorize('edit', ctx.turn.actor, claim);
    const editable = claim.status === 'Draft' || (ctx.services.policy.editableStatuses.includes(claim.status) && rowFor('edit', claim.status));
    if (!editable) refuse(claim, 'edit');
    ctx.state.version = claim.version;
    return { kind: 'goto', step: 'menu' };
  }

  /** Every field step returns to the menu; the menu and summary decide for themselves. */
  protected override async following(ctx: StepContext, from: string | undefined): Promise<string | undefined> {
    return from === 'summary' ? undefined : 'menu';
  }
}
