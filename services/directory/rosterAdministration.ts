import { z } from 'zod';
import { PARTNER_ROLES, type Actor, type PartnerOrganisation, type PartnerRole, type Role } from '../actor.js';
import { DomainError, type FieldIssue } from '../errors.js';
import { findUser, organisationOf, type Roster, type RosterUser, type UserReference } from './roster.js';
import type { AuditEntry, RosterStore } from './rosterStore.js';

// Partner admins manage roles in their own organisation (SPEC section 1), from chat. The rules:
// - only a `global-admin` or `incentives-admin` of the organisation may grant or revoke;
// - only partner roles, never `reviewer` (reviewers are the program's, set by the operator);
// - `global-admin` itself only by a `global-admin`;
// - only in the admin's own tenant: every record is per tenant, so an address one organisation
//   granted never stops another from granting it in theirs; never the last admin either.
// Every change is written durably and audited by the store.

const ADMIN_ROLES: readonly PartnerRole[] = ['global-admin', 'incentives-admin'];

/** Whom a grant or revoke is about: an AAD object id or an email (what an admin usually knows). */
export const RosterTargetSchema = z
  .object({
    userId: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).toLowerCase().optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((target) => target.userId !== undefined || target.email !== undefined, {
    message: 'a userId or an email',
    path: ['email'],
  });
export type RosterTarget = z.input<typeof RosterTargetSchema>;

export interface RosterChangeResult {
  /** False when the user already had (grant) or didn't have (revoke) the role. */
  changed: boolean;
  role: PartnerRole;
  /** The user's record after the change; undefined when a revoke removed their last role. */
  user?: RosterUser;
}

export interface RosterListing {
  organisation: PartnerOrganisation;
  users: RosterUser[];
}

export class RosterAdministration {
  constructor(private readonly store: RosterStore) {}

  async grant(actor: Actor, target: RosterTarget, role: string): Promise<RosterChangeResult> {
    const { organisation, wanted, reference } = this.check(actor, target, role, 'grant');
    return this.store.change<RosterChangeResult>((roster) => {
      this.assertOrganisationKnown(roster, organisation);
      const existing = findUser(roster, reference);
      if (existing?.roles.includes(wanted)) return { next: 'unchanged', audit: [], result: { changed: false, role: wanted, user: existing } };
      const user: RosterUser = existing ?? {
        type: 'user',
        tenantId: organisation.tenantId,
        ...(reference.userId ? { userId: reference.userId } : {}),
        ...(reference.email ? { email: reference.email } : {}),
        roles: [],
      };
      if (!existing) roster.users.push(user);
      // A grant naming both id and email completes a record that knew only one of them.
      if (reference.userId && !user.userId) user.userId = reference.userId;
      if (reference.email && !user.email) user.email = reference.email;
      user.roles.push(wanted);
      if (!user.displayName && reference.displayName) user.displayName = reference.displayName;
      return { next: roster, audit: [auditOf(actor, 'grant', organisation, user, wanted)], result: { changed: true, role: wanted, user } };
    });
  }

  async revoke(actor: Actor, target: RosterTarget, role: string): Promise<RosterChangeResult> {
    const { organisation, wanted, reference } = this.check(actor, target, role, 'revoke');
    return this.store.change<RosterChangeResult>((roster) => {
      const existing = findUser(roster, reference);
      if (!existing?.roles.includes(wanted)) return { next: 'unchanged', audit: [], result: { changed: false, role: wanted, user: existing } };
      existing.roles = existing.roles.filter((candidate) => candidate !== wanted);
      if (!adminsOf(roster, organisation.tenantId).length) {
        // An organisation without an admin could only be repaired by the operator.
        throw new DomainError('not-allowed', { action: 'revoke', reason: 'last-admin' });
      }
      const remaining = existing.roles.length ? existing : undefined;
      if (!remaining) roster.users = roster.users.filter((user) => user !== existing);
      return {
        next: roster,
        audit: [auditOf(actor, 'revoke', organisation, existing, wanted)],
        result: { changed: true, role: wanted, user: remaining },
      };
    });
  }

  /** The organisation's people and their roles, for its admins. */
  async list(actor: Actor): Promise<RosterListing> {
    const organisation = this.assertAdmin(actor, 'list-roles');
    const roster = await this.store.current();
    const tenant = organisation.tenantId.toLowerCase();
    const users = roster.users
      .filter((user) => user.tenantId.toLowerCase() === tenant)
      .sort((a, b) => (a.displayName ?? a.email ?? '').localeCompare(b.displayName ?? b.email ?? ''));
    return { organisation: organisationOf(roster, organisation.tenantId) ?? organisation, users };
  }

  private check(actor: Actor, target: RosterTarget, role: string, action: 'grant' | 'revoke') {
    const organisation = this.assertAdmin(actor, action);
    const issues: FieldIssue[] = [];
    const parsedTarget = RosterTargetSchema.safeParse(target);
    if (!parsedTarget.success) {
      issues.push(...parsedTarget.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'email'), problem: 'invalid' as const })));
    }
    if (role === 'reviewer') throw new DomainError('not-allowed', { action: `${action}-reviewer` });
    const wanted = (PARTNER_ROLES as readonly string[]).includes(role) ? (role as PartnerRole) : undefined;
    if (!wanted) issues.push({ field: 'role', problem: 'invalid' });
    if (issues.length || !parsedTarget.success || !wanted) throw new DomainError('validation', { issues });
    if (wanted === 'global-admin' && !actor.roles.includes('global-admin')) {
      throw new DomainError('not-allowed', { action: `${action}-global-admin` });
    }
    const reference: UserReference & { displayName?: string } = { tenantId: organisation.tenantId, ...parsedTarget.data };
    return { organisation, wanted, reference };
  }

  private assertAdmin(actor: Actor, action: string): PartnerOrganisation {
    const organisation = actor.organisation;
    if (!organisation || !actor.roles.some((role) => (ADMIN_ROLES as readonly Role[]).includes(role))) {
      throw new DomainError('not-allowed', { action });
    }
    // The admin's roles hold in the organisation of their own tenant only.
    if (organisation.tenantId.toLowerCase() !== actor.tenantId.toLowerCase()) throw new DomainError('wrong-tenant', { action });
    return organisation;
  }

  private assertOrganisationKnown(roster: Roster, organisation: PartnerOrganisation): void {
    if (!organisationOf(roster, organisation.tenantId)) throw new DomainError('not-allowed', { action: 'grant', reason: 'no-organisation' });
  }
}

function adminsOf(roster: Roster, tenantId: string): RosterUser[] {
  const tenant = tenantId.toLowerCase();
  return roster.users.filter((user) => user.tenantId.toLowerCase() === tenant && user.roles.some((role) => (ADMIN_ROLES as readonly Role[]).includes(role)));
}

function auditOf(actor: Actor, action: 'grant' | 'revoke', organisation: PartnerOrganisation, user: RosterUser, role: PartnerRole): Omit<AuditEntry, 'at'> {
  return {
    action,
    by: { userId: actor.userId, tenantId: actor.tenantId, roles: actor.roles },
    source: 'chat',
    tenantId: organisation.tenantId,
    target: { ...(user.userId ? { userId: user.userId } : {}), ...(user.email ? { email: user.email } : {}) },
    role,
  };
}
