import { roleFor, type RoleRefusal } from '../access.js';
import type { ActingRole, Actor } from '../actor.js';
import { missingForSubmission } from '../claimValidation.js';
import { customerMayOptOut, optOutRuleOf } from '../consentRules.js';
import { DomainError, isDomainError } from '../errors.js';
import { ACTIONS, rowFor, rowsFor, type Action, type GuardName, type TransitionRow } from '../lifecycle.js';
import type { Claim } from '../model.js';
import type { Policy } from '../policy.js';
import type { KeyHolders, RecordKeyHolders } from './recordKeys.js';

// Who may take which action on a claim now: the lifecycle row for its status, the role the actor
// acts in and the row's guards. Commands enforce these and allowedActions asks them, so a card
// never offers what the command would refuse.

const GUARDS_AFTER_CHANGE = new Set<GuardName>(['complete', 'noDuplicate']);

/** What people can do (the system's timer actions aside). */
const USER_ACTIONS: readonly Action[] = ACTIONS.filter((action) => rowsFor(action).some((row) => !row.parties.includes('system')));

type GuardPhase = 'before-change' | 'after-change';

/** The lifecycle row for `action` from the claim's status; throws `invalid-transition` when none. */
export function rowOf(action: Action, claim: Claim): TransitionRow {
  const row = rowFor(action, claim.status, claim.consentPhase);
  if (!row) throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action });
  return row;
}

/** The row for the claim's status names who may take it there, which can be narrower than the action's other rows. */
function assertRowAllows(row: TransitionRow, role: ActingRole, claim: Claim): void {
  const allowed = role === 'customer' ? row.parties.includes('customer') : role !== 'system' && row.roles.includes(role);
  if (!allowed) throw new DomainError('not-allowed', { claimId: claim.id, action: row.action });
}

/** Whether an action open in the claim's status checks for duplicates, so the key holders are worth reading. */
export function checksDuplicates(claim: Claim): boolean {
  return USER_ACTIONS.some((action) => rowFor(action, claim.status, claim.consentPhase)?.guards.includes('noDuplicate'));
}

export class ClaimRules {
  constructor(
    private readonly policy: Policy,
    private readonly keyHolders: RecordKeyHolders,
  ) {}

  /**
   * The actions `actor` may take on `claim` at `now`: the same role, tenant, status, guard and
   * deadline checks the commands make, without changing anything (the version is the caller's to
   * carry). Cards offer exactly these; dialogs and card handlers start only these.
   */
  allowedActions(actor: Actor, claim: Claim, now: Date): ReadonlySet<Action> {
    const holders = this.keyHolders.knownFor(claim);
    // Most actions have no row from the claim's status: asked first, so no refusal is built for them.
    const open = USER_ACTIONS.filter((action) => rowFor(action, claim.status, claim.consentPhase) !== undefined);
    // Only whether each action is refused counts here: the refusals are built without a stack
    // trace, which is most of what building one costs (a card asks for every action it could show).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // The role first: most refusals are of someone the action is not for, and need no error.
      return new Set(
        open.filter((action) => {
          const role = roleFor(action, actor, claim);
          return typeof role === 'string' && this.refusalAs(role, actor, claim, action, now, holders) === undefined;
        }),
      );
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  /** Why `actor` may not take `action` on `claim` now (the error the command would raise), if so. */
  refusal(actor: Actor, claim: Claim, action: Action, now: Date): DomainError | undefined {
    return this.refusalWith(actor, claim, action, now, this.keyHolders.knownFor(claim));
  }

  private refusalWith(actor: Actor, claim: Claim, action: Action, now: Date, holders: KeyHolders | undefined): DomainError | undefined {
    return this.refusalAs(roleFor(action, actor, claim), actor, claim, action, now, holders);
  }

  private refusalAs(
    role: ActingRole | RoleRefusal,
    actor: Actor,
    claim: Claim,
    action: Action,
    now: Date,
    holders: KeyHolders | undefined,
  ): DomainError | undefined {
    try {
      const row = rowOf(action, claim);
      if (typeof role === 'object') return new DomainError(role.code, role.params);
      this.checkRow(row, actor, role, claim, now);
      this.checkOutcome(row, actor, role, claim, now, holders);
      return undefined;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return error;
    }
  }

  /** Throws unless the row lets `role` take it and its guards on the claim as it is hold. */
  checkRow(row: TransitionRow, actor: Actor, role: ActingRole, claim: Claim, now: Date): void {
    assertRowAllows(row, role, claim);
    this.runGuards(row, 'before-change', actor, role, claim, now);
  }

  /**
   * Throws unless the row's guards on what the claim will be (completeness, duplicates) hold, run
   * after the command's change. Returns the competing claims `noDuplicate` found.
   */
  checkOutcome(row: TransitionRow, actor: Actor, role: ActingRole, claim: Claim, now: Date, holders?: KeyHolders): string[] {
    return this.runGuards(row, 'after-change', actor, role, claim, now, holders);
  }

  private runGuards(row: TransitionRow, phase: GuardPhase, actor: Actor, role: ActingRole, claim: Claim, now: Date, holders?: KeyHolders): string[] {
    let competingWith: string[] = [];
    for (const guard of row.guards) {
      if (GUARDS_AFTER_CHANGE.has(guard) !== (phase === 'after-change')) continue;
      const outcome = this.guard(guard, actor, role, claim, now, holders);
      if (outcome) competingWith = outcome;
    }
    return competingWith;
  }

  /**
   * Throws when the guard fails; `noDuplicate` returns the competing claims it found. Without
   * `holders` (a claim not read through `get`) `noDuplicate` passes: the command checks again.
   */
  private guard(name: GuardName, actor: Actor, role: ActingRole, claim: Claim, now: Date, holders?: KeyHolders): string[] | void {
    switch (name) {
      case 'editable':
        if (!this.policy.editableStatuses.includes(claim.status)) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'edit' });
        }
        return;
      case 'complete': {
        const issues = missingForSubmission(claim);
        if (issues.length) throw new DomainError('incomplete', { claimId: claim.id, issues });
        return;
      }
      case 'noDuplicate': {
        if (!holders) return [];
        const duplicate = holders.find((holder) => holder.partnerTenantId === claim.partnerTenantId);
        if (duplicate) throw new DomainError('duplicate-claim', { claimId: claim.id, existingClaimId: duplicate.id });
        return holders.filter((holder) => holder.partnerTenantId !== claim.partnerTenantId).map((holder) => holder.id);
      }
      case 'notOwnOrganisation':
        if (role === 'reviewer' && actor.organisation?.tenantId === claim.partnerTenantId) {
          throw new DomainError('own-organisation', { claimId: claim.id });
        }
        return;
      case 'optOutOpen':
        if (customerMayOptOut(claim, now)) return;
        // Under the seeds' terms there is nothing to opt out of before approval.
        if (optOutRuleOf(claim) === 'consent-window' && claim.status !== 'Approved') {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'optOut' });
        }
        throw new DomainError('window-closed', { claimId: claim.id, window: 'consent' });
      case 'disputeInformationAllowed':
        // The terms the claim was filed under, as the card that offers the action reads them.
        if (!claim.terms?.disputeInformationRequest) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'requestInformation' });
        }
        return;
      case 'disputeAllowed': {
        const rejection = claim.rejection;
        if (claim.disputesUsed >= this.policy.maxDisputes) {
          throw new DomainError('dispute-used', { claimId: claim.id });
        }
        if (!rejection || rejection.final) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'dispute' });
        }
        const closes = claim.deadlines.disputeWindow;
        if (claim.disputeWindowClosed || !closes || now.getTime() >= Date.parse(closes)) {
          throw new DomainError('window-closed', { claimId: claim.id, window: 'dispute' });
        }
        return;
      }
      case 'disassociationAllowed':
        if (!this.policy.allowDisassociation) {
          throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action: 'disassociate' });
        }
        return;
    }
  }
}
