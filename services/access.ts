import { isPartnerRole, type ActingRole, type Actor } from './actor.js';
import { DomainError, type ErrorParams } from './errors.js';
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

/** Why `actor` may not take an action on a claim: what `authorize` throws, not yet an error. */
export interface RoleRefusal {
  code: 'not-allowed' | 'wrong-tenant';
  params: ErrorParams;
}

/** The role in which `actor` may take `action` on `claim`; throws when none. */
export function authorize(action: Action, actor: Actor, claim: Claim): ActingRole {
  const role = roleFor(action, actor, claim);
  if (typeof role === 'object') throw new DomainError(role.code, role.params);
  return role;
}

/**
 * The role in which `actor` may take `action` on `claim`, or why there is none, without an error
 * built: a card asks this of every action it could show.
 */
export function roleFor(action: Action, actor: Actor, claim: Claim): ActingRole | RoleRefusal {
  const { parties, roles } = partiesOf(action);

  if (parties.has('reviewer') && actor.roles.includes('reviewer')) return 'reviewer';
  if (parties.has('partner')) {
    const partnerRoles = actor.roles.filter(isPartnerRole);
    if (partnerRoles.length > 0) {
      if (actor.organisation?.tenantId !== claim.partnerTenantId) return { code: 'wrong-tenant', params: { claimId: claim.id } };
      return partnerRoles.find((role) => roles.has(role)) ?? { code: 'not-allowed', params: { claimId: claim.id, action } };
    }
  }
  if (parties.has('customer')) {
    if (isCustomerOf(actor, claim)) return 'customer';
    // The claim's own partner and the reviewers know the claim: the action simply isn't theirs.
    if (actor.roles.includes('reviewer') || belongsToPartner(actor, claim)) return { code: 'not-allowed', params: { claimId: claim.id, action } };
    return { code: 'wrong-tenant', params: { claimId: claim.id } };
  }
  return { code: 'not-allowed', params: { claimId: claim.id, action } };
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
