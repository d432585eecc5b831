import { isPartnerRole, type ActingRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { rowsFor, type Action } from './lifecycle.js';
import type { Claim } from './model.js';

// Who may do what to which claim (SPEC section 1). `not-allowed`: the actor lacks the role;
// `wrong-tenant`: the actor has the kind of role the action needs, but for another organisation
// or tenant.

export function belongsToPartner(actor: Actor, claim: Pick<Claim, 'partnerTenantId'>): boolean {
  return actor.organisation?.tenantId === claim.partnerTenantId && actor.roles.some(isPartnerRole);
}

export function isCustomerOf(actor: Actor, claim: Pick<Claim, 'details'>): boolean {
  const customerTenant = claim.details.customerTenantId;
  return customerTenant !== undefined && customerTenant.toLowerCase() === actor.tenantId.toLowerCase();
}

/** Which side of `claim` the actor reads it from: what their card shows them. */
export type Relation = 'partner' | 'reviewer' | 'customer' | 'observer';

export function relationOf(actor: Actor, claim: Pick<Claim, 'partnerTenantId' | 'details'>): Relation {
  if (actor.roles.includes('reviewer')) return 'reviewer';
  if (belongsToPartner(actor, claim)) return 'partner';
  if (isCustomerOf(actor, claim)) return 'customer';
  return 'observer';
}

/** The role in which `actor` may take `action` on `claim`; throws when none. */
/** Who takes part in an action over all its rows: fixed by the lifecycle table, so built once per action. */
const ACTION_PARTIES = new Map<Action, { parties: ReadonlySet<string>; roles: ReadonlySet<string> }>();

function partiesOf(action: Action): { parties: ReadonlySet<string>; roles: ReadonlySet<string> } {
  let known = ACTION_PARTIES.get(action);
  if (!known) {
    const rows = rowsFor(action);
    known = { parties: new Set(rows.flatMap((row) => row.parties)), roles: new Set(rows.flatMap((row) => row.roles)) };
    ACTION_PARTIES.set(action, known);
  }
  return known;
}

export function authorize(action: Action, actor: Actor, claim: Claim): ActingRole {
  const { parties, roles } = partiesOf(action);

  if (parties.has('reviewer') && actor.roles.includes('reviewer')) return 'reviewer';
  if (parties.has('partner')) {
    const partnerRoles = actor.roles.filter(isPartnerRole);
    if (partnerRoles.length > 0) {
      if (actor.organisation?.tenantId !== claim.partnerTenantId) {
        throw new DomainError('wrong-tenant', { claimId: claim.id });
      }
      const allowed = partnerRoles.find((role) => roles.has(role));
      if (!allowed) throw new DomainError('not-allowed', { claimId: claim.id, action });
      return allowed;
    }
  }
  if (parties.has('customer')) {
    if (isCustomerOf(actor, claim)) return 'customer';
    // The claim's own partner and the reviewers know the claim: the action simply isn't theirs.
    if (actor.roles.includes('reviewer') || belongsToPartner(actor, claim)) {
      throw new DomainError('not-allowed', { claimId: claim.id, action });
    }
    throw new DomainError('wrong-tenant', { claimId: claim.id });
  }
  throw new DomainError('not-allowed', { claimId: claim.id, action });
}

/** A customer may read a claim on their tenant once it has been approved (the consent notice). */
function customerMayRead(actor: Actor, claim: Claim): boolean {
  return isCustomerOf(actor, claim) && claim.history.some((entry) => entry.toStatus === 'Approved');
}

export function assertCanView(actor: Actor, claim: Claim): 'partner' | 'reviewer' | 'customer' {
  if (actor.roles.includes('reviewer')) return 'reviewer';
  if (belongsToPartner(actor, claim)) return 'partner';
  if (customerMayRead(actor, claim)) return 'customer';
  throw new DomainError('wrong-tenant', { claimId: claim.id });
}
