import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { Role } from '../actor.js';
import type { Directory, DirectoryUser, ResolveHints } from './directory.js';
import { directoryUnavailable } from './directoryErrors.js';
import { organisationOf } from './roster.js';
import type { RosterStore } from './rosterStore.js';

// The Graph directory: profile from `GET /users/{id}`, roles from group membership
// (`POST /users/{id}/checkMemberGroups` against the configured group -> role map). The partner
// organisation of a tenant still comes from the roster's organisation records. App-only Graph
// sees one tenant, so users of other tenants are resolved by the fallback (the roster).
// Any Graph failure throws: a failure never grants a role.

const UserProfileSchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});
const MemberGroupsSchema = z.object({ value: z.array(z.string()) });

export interface GraphDirectoryOptions {
  client: Client;
  /** The tenant the app registration reads (GRAPH_TENANT_ID). */
  tenantId: string;
  roleGroups: readonly { groupId: string; role: Role }[];
  roster: RosterStore;
  /** Resolves users of other tenants. */
  fallback: Directory;
}

export class GraphDirectory implements Directory {
  constructor(private readonly options: GraphDirectoryOptions) {}

  async resolve(userId: string, tenantId: string, hints?: ResolveHints): Promise<DirectoryUser> {
    const { options } = this;
    if (tenantId.toLowerCase() !== options.tenantId.toLowerCase()) return options.fallback.resolve(userId, tenantId, hints);
    const path = `/users/${encodeURIComponent(userId)}`;
    const profileResponse = await this.call(() => options.client.api(path).select(['id', 'displayName', 'mail', 'userPrincipalName']).get(), true);
    let organisation;
    try {
      organisation = organisationOf(await options.roster.current(), tenantId);
    } catch (error) {
      throw directoryUnavailable((error as Error).message);
    }
    const base = { userId, tenantId, ...(organisation ? { organisation } : {}) };
    if (profileResponse === undefined) return { ...base, roles: [] };
    const profile = parse(UserProfileSchema, profileResponse, 'user profile');
    const email = profile.mail ?? profile.userPrincipalName ?? undefined;
    const roles = await this.rolesOf(path);
    return {
      ...base,
      roles,
      ...(profile.displayName ? { displayName: profile.displayName } : {}),
      ...(email ? { email } : {}),
    };
  }

  private async rolesOf(userPath: string): Promise<Role[]> {
    const groupIds = [...new Set(this.options.roleGroups.map((entry) => entry.groupId))];
    if (!groupIds.length) return [];
    const response = await this.call(() => this.options.client.api(`${userPath}/checkMemberGroups`).post({ groupIds }), false);
    const memberOf = new Set(parse(MemberGroupsSchema, response, 'checkMemberGroups').value.map((id) => id.toLowerCase()));
    const roles = this.options.roleGroups.filter((entry) => memberOf.has(entry.groupId)).map((entry) => entry.role);
    return [...new Set(roles)];
  }

  /** Runs one Graph call; a 404 is "no such user" when `notFoundIsEmpty`, anything else failing throws. */
  private async call(request: () => Promise<unknown>, notFoundIsEmpty: boolean): Promise<unknown> {
    try {
      return await request();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (notFoundIsEmpty && status === 404) return undefined;
      throw directoryUnavailable(`Graph ${status ?? ''} ${(error as Error).message ?? String(error)}`.trim());
    }
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw directoryUnavailable(`unexpected Graph ${what} response`);
  return parsed.data;
}
