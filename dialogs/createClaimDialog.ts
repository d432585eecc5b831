import { isPartnerRole } from '../services/actor.js';
import { DomainError } from '../services/errors.js';
import { rowsFor } from '../services/lifecycle.js';
import { CLAIM_FIELD_STEPS, summaryStep } from './claimSteps.js';
import type { FlowServices } from './flowContext.js';
import { StepDialog, type Step, type StepContext, type StepResult } from './stepDialog.js';

// New claim: program -> activity -> PartnerID -> customer domain and tenant -> subscription ->
// workloads -> contacts -> PoE -> summary with Submit and Save as draft. The draft is created
// at the first answer and saved at every step.

export const CREATE_CLAIM_DIALOG = 'create-claim';

/** The roles that may file a claim: those the lifecycle lets edit a draft. */
const CREATORS = new Set(rowsFor('edit').flatMap((row) => row.roles));

export class CreateClaimDialog extends StepDialog {
  protected readonly steps: readonly Step[] = [...CLAIM_FIELD_STEPS, summaryStep];

  constructor(services: FlowServices) {
    super(CREATE_CLAIM_DIALOG, services);
  }

  protected async start(ctx: StepContext): Promise<StepResult> {
    const { actor } = ctx.turn;
    // Refuse before the first question rather than after it; the service checks again on create.
    if (!actor.organisation || !actor.roles.some((role) => isPartnerRole(role) && CREATORS.has(role))) {
      throw new DomainError('not-allowed', { action: 'create' });
    }
    return { kind: 'next', say: ctx.t.t('dialogs.create.intro') };
  }
}
