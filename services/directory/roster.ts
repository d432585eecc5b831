import { z } from 'zod';
import { PartnerOrganisationSchema, RoleSchema, isPartnerRole, type PartnerOrganisation, type Role } from '../actor.js';
import { jsonLines } from '../store/jsonLines.js';

// The roster file: JSON Lines, one record per line, so a mistake is reported with its line.
// Blank lines and lines starting with `#` are ignored.
//
//   {"type":"organisation","tenantId":"<guid>","name":"Contoso Partners","partnerIds":["4512345"]}
//   {"type":"user","tenantId":"<guid>","userId":"<aad object id>","email":"ana@contoso.com","displayName":"Ana","roles":["incentives-admin"]}
//
// A user record names the person by AAD object id, by email, or both (an admin granting a role
// in chat usually knows only the email). Partner roles need an organisation record for the tenant.

const OrganisationRecordSchema = PartnerOrganisationSchema.extend({ type: z.literal('organisation') }).strict();

const UserRecordSchema = z
  .object({
    type: z.literal('user'),
    tenantId: z.guid(),
    userId: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).toLowerCase().optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
    roles: z.array(RoleSchema).refine((roles) => new Set(roles).size === roles.length, 'roles must not repeat'),
  })
  .strict()
  .refine((user) => user.userId !== undefined || user.email !== undefined, 'a user needs a userId or an email');

const RecordSchema = z.discriminatedUnion('type', [OrganisationRecordSchema, UserRecordSchema]);

export type RosterUser = z.infer<typeof UserRecordSchema>;
export interface Roster {
  organisations: PartnerOrganisation[];
  users: RosterUser[];
}

export class RosterFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}, line ${line}: ${problem}`);
    this.name = 'RosterFormatError';
  }
}

export const emptyRoster = (): Roster => ({ organisations: [], users: [] });

/** Parses and checks a roster; the first problem throws, naming its line. */
export function parseRoster(text: string, file = 'roster'): Roster {
  const roster = emptyRoster();
  const organisationLines = new Map<string, number>();
  const userLines = new Map<string, number>();
  const partnerUsers: { line: number; tenantId: string }[] = [];

  for (const { line, value, problem } of jsonLines(text, { comments: true })) {
    if (problem !== undefined) throw new RosterFormatError(file, line, problem);
    const parsed = RecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new RosterFormatError(file, line, `${path}${issue?.message ?? 'not a roster record'}`);
    }
    const record = parsed.data;
    if (record.type === 'organisation') {
      const organisation: PartnerOrganisation = { tenantId: record.tenantId, name: record.name, partnerIds: record.partnerIds };
      const key = organisation.tenantId.toLowerCase();
      const earlier = organisationLines.get(key);
      if (earlier) throw new RosterFormatError(file, line, `organisation ${organisation.tenantId} is already on line ${earlier}`);
      organisationLines.set(key, line);
      roster.organisations.push(organisation);
      continue;
    }
    for (const key of userKeys(record)) {
      const earlier = userLines.get(key);
      if (earlier) throw new RosterFormatError(file, line, `the same user is already on line ${earlier}`);
      userLines.set(key, line);
    }
    if (record.roles.some(isPartnerRole)) partnerUsers.push({ line, tenantId: record.tenantId.toLowerCase() });
    roster.users.push(record);
  }

  // Checked at the end so an organisation may follow its users in the file.
  for (const { line, tenantId } of partnerUsers) {
    if (!organisationLines.has(tenantId)) {
      throw new RosterFormatError(file, line, `partner roles need an organisation record for tenant ${tenantId}`);
    }
  }
  return roster;
}

/** One line per record, organisations first, in a stable order so diffs stay readable. */
export function serializeRoster(roster: Roster): string {
  const lines = [
    '# CPOR Claims Assistant roster: one JSON record per line (see README, "Directory").',
    ...[...roster.organisations]
      .sort((a, b) => a.name.localeCompare(b.name) || a.tenantId.localeCompare(b.tenantId))
      .map((organisation) => JSON.stringify({ type: 'organisation', ...organisation })),
    ...[...roster.users].sort((a, b) => a.tenantId.localeCompare(b.tenantId) || userLabel(a).localeCompare(userLabel(b))).map((user) => JSON.stringify(user)),
  ];
  return `${lines.join('\n')}\n`;
}

export function organisationOf(roster: Roster, tenantId: string): PartnerOrganisation | undefined {
  const key = tenantId.toLowerCase();
  return roster.organisations.find((organisation) => organisation.tenantId.toLowerCase() === key);
}

/** Who a record is about: by AAD object id and/or email, within a tenant. */
export interface UserReference {
  tenantId: string;
  userId?: string;
  email?: string;
}

/** The record for a user: by object id first, then by email among records of that tenant. */
export function findUser(roster: Roster, reference: UserReference): RosterUser | undefined {
  const tenant = reference.tenantId.toLowerCase();
  const inTenant = roster.users.filter((user) => user.tenantId.toLowerCase() === tenant);
  const byId = reference.userId ? inTenant.find((user) => user.userId === reference.userId) : undefined;
  if (byId) return byId;
  const email = reference.email?.toLowerCase();
  return email ? inTenant.find((user) => user.email === email) : undefined;
}

export function userLabel(user: Pick<RosterUser, 'userId' | 'email'>): string {
  return user.email ?? user.userId ?? '?';
}

export function hasRole(user: RosterUser | undefined, role: Role): boolean {
  return user?.roles.includes(role) ?? false;
}

function userKeys(user: RosterUser): string[] {
  const tenant = user.tenantId.toLowerCase();
  return [...(user.userId ? [`${tenant}:id:${user.userId}`] : []), ...(user.email ? [`${tenant}:mail:${user.email}`] : [])];
}
