import { z } from 'zod';
import { PartnerOrganisationSchema, RoleSchema, isPartnerRole, type PartnerOrganisation, type Role } from '../actor.js';
import { findUser, organisationOf, type RosterUser, type UserReference } from './roster.js';
import type { AuditEntry, RosterStore } from './rosterStore.js';

// What the operator of the bot may do to the roster, outside chat: add organisations and grant
// any role (reviewer included). Used by scripts/roster.ts and by the start-up bootstrap; both
// are audited like chat changes, with their own `source`.

export interface OperatorContext {
  /** Who ran it, e.g. `cli:alice` or `bootstrap`. */
  by: string;
  source: 'cli' | 'bootstrap';
}

export class RosterOperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RosterOperatorError';
  }
}

export async function addOrganisation(store: RosterStore, input: PartnerOrganisation, context: OperatorContext): Promise<boolean> {
  const parsed = PartnerOrganisationSchema.safeParse(input);
  if (!parsed.success) throw new RosterOperatorError(`organisation: ${describe(parsed.error)}`);
  const organisation = parsed.data;
  return store.change((roster) => {
    const existing = organisationOf(roster, organisation.tenantId);
    if (existing && existing.name === organisation.name && sameIds(existing.partnerIds, organisation.partnerIds)) {
      return { next: 'unchanged', audit: [], result: false };
    }
    roster.organisations = roster.organisations.filter((candidate) => candidate !== existing);
    roster.organisations.push(organisation);
    const entry: Omit<AuditEntry, 'at'> = {
      action: existing ? 'update-organisation' : 'add-organisation',
      by: { userId: context.by },
      source: context.source,
      tenantId: organisation.tenantId,
      organisation: { name: organisation.name, partnerIds: organisation.partnerIds },
    };
    return { next: roster, audit: [entry], result: true };
  });
}

export async function operatorGrant(
  store: RosterStore,
  reference: UserReference & { displayName?: string },
  role: Role,
  context: OperatorContext,
): Promise<boolean> {
  const target = checkReference(reference);
  return store.change((roster) => {
    if (isPartnerRole(role) && !organisationOf(roster, target.tenantId)) {
      throw new RosterOperatorError(`tenant ${target.tenantId} has no organisation: add it first (add-organisation)`);
    }
    const existing = findUser(roster, target);
    if (existing?.roles.includes(role)) return { next: 'unchanged', audit: [], result: false };
    const user: RosterUser = existing ?? {
      type: 'user',
      tenantId: target.tenantId,
      ...(target.userId ? { userId: target.userId } : {}),
      ...(target.email ? { email: target.email } : {}),
      roles: [],
    };
    if (!existing) roster.users.push(user);
    user.roles.push(role);
    if (reference.displayName && !user.displayName) user.displayName = reference.displayName;
    return { next: roster, audit: [operatorAudit('grant', context, user, role)], result: true };
  });
}

export async function operatorRevoke(store: RosterStore, reference: UserReference, role: Role, context: OperatorContext): Promise<boolean> {
  const target = checkReference(reference);
  return store.change((roster) => {
    const existing = findUser(roster, target);
    if (!existing?.roles.includes(role)) return { next: 'unchanged', audit: [], result: false };
    existing.roles = existing.roles.filter((candidate) => candidate !== role);
    if (!existing.roles.length) roster.users = roster.users.filter((user) => user !== existing);
    return { next: roster, audit: [operatorAudit('revoke', context, existing, role)], result: true };
  });
}

// ---- bootstrap ------------------------------------------------------------------------------

const BootstrapOrganisationSchema = z.string().transform((entry, context) => {
  // <tenantId>:<partnerId>[+<partnerId>...]:<name>; the name is last so it may hold colons.
  const [tenantId = '', partnerIds = '', ...name] = entry.split(':');
  const parsed = PartnerOrganisationSchema.safeParse({
    tenantId: tenantId.trim(),
    partnerIds: partnerIds.split('+').map((id) => id.trim()),
    name: name.join(':').trim(),
  });
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: `"${entry}": expected <tenantId>:<partnerId>[+<partnerId>]:<name> (${describe(parsed.error)})` });
    return z.NEVER;
  }
  return parsed.data;
});

const BootstrapAdminSchema = z.string().transform((entry, context) => {
  // <tenantId>:<AAD object id or email>:<role>[:<display name>]; the name is last so it may hold colons.
  const [tenantId = '', who = '', role = '', ...name] = entry.split(':');
  const parsed = z
    .object({ tenantId: z.guid(), who: z.string().trim().min(1), role: RoleSchema, displayName: z.string().trim().max(200) })
    .safeParse({ tenantId: tenantId.trim(), who, role: role.trim(), displayName: name.join(':') });
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: `"${entry}": expected <tenantId>:<user id or email>:<role>[:<display name>]` });
    return z.NEVER;
  }
  const { who: user } = parsed.data;
  const reference: UserReference & { displayName?: string } = user.includes('@')
    ? { tenantId: parsed.data.tenantId, email: user.toLowerCase() }
    : { tenantId: parsed.data.tenantId, userId: user };
  // A name lets pickers (Reassign, the away delegate) show who someone is before they first write.
  if (parsed.data.displayName) reference.displayName = parsed.data.displayName;
  return { reference, role: parsed.data.role };
});

export interface BootstrapPlan {
  organisations: PartnerOrganisation[];
  admins: { reference: UserReference & { displayName?: string }; role: Role }[];
}

/** Parses BOOTSTRAP_ORGANISATIONS (`;`-separated) and BOOTSTRAP_ADMINS (`,`-separated). */
export function parseBootstrap(organisations: string | undefined, admins: string | undefined): BootstrapPlan {
  const split = (value: string | undefined, separator: string) =>
    (value ?? '')
      .split(separator)
      .map((entry) => entry.trim())
      .filter(Boolean);
  const parsedOrganisations = z.array(BootstrapOrganisationSchema).safeParse(split(organisations, ';'));
  if (!parsedOrganisations.success) throw new RosterOperatorError(`BOOTSTRAP_ORGANISATIONS: ${describe(parsedOrganisations.error)}`);
  const parsedAdmins = z.array(BootstrapAdminSchema).safeParse(split(admins, ','));
  if (!parsedAdmins.success) throw new RosterOperatorError(`BOOTSTRAP_ADMINS: ${describe(parsedAdmins.error)}`);
  return { organisations: parsedOrganisations.data, admins: parsedAdmins.data };
}

/**
 * Adds what the bootstrap variables name and is missing from the roster. Idempotent, so the
 * variables may stay set: a role an admin later revoked in chat is granted again at the next
 * start, which is why the README says to remove them once the first admin is in.
 */
export async function applyBootstrap(store: RosterStore, plan: BootstrapPlan): Promise<number> {
  const context: OperatorContext = { by: 'bootstrap', source: 'bootstrap' };
  let changes = 0;
  for (const organisation of plan.organisations) {
    const roster = await store.current();
    if (!organisationOf(roster, organisation.tenantId) && (await addOrganisation(store, organisation, context))) changes += 1;
  }
  for (const { reference, role } of plan.admins) {
    if (await operatorGrant(store, reference, role, context)) changes += 1;
  }
  return changes;
}

function checkReference(reference: UserReference): UserReference {
  const parsed = z
    .object({ tenantId: z.guid(), userId: z.string().trim().min(1).optional(), email: z.email().toLowerCase().optional() })
    .refine((value) => value.userId || value.email, 'a user id or an email')
    .safeParse(reference);
  if (!parsed.success) throw new RosterOperatorError(`user: ${describe(parsed.error)}`);
  return parsed.data;
}

function operatorAudit(action: 'grant' | 'revoke', context: OperatorContext, user: RosterUser, role: Role): Omit<AuditEntry, 'at'> {
  return {
    action,
    by: { userId: context.by },
    source: context.source,
    tenantId: user.tenantId,
    target: { ...(user.userId ? { userId: user.userId } : {}), ...(user.email ? { email: user.email } : {}) },
    role,
  };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}
