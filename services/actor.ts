import { z } from 'zod';

// Who is acting (SPEC section 1). Built by the bot from the authenticated activity and the directory.

export const PARTNER_ROLES = ['incentives-admin', 'incentives-user', 'billing-admin', 'global-admin'] as const;
export const ROLES = [...PARTNER_ROLES, 'reviewer'] as const;
export type Role = (typeof ROLES)[number];
export type PartnerRole = (typeof PARTNER_ROLES)[number];

/** The role an action was taken in, as history records it. */
export type ActingRole = Role | 'customer' | 'system';

export const RoleSchema = z.enum(ROLES);

export const PartnerOrganisationSchema = z.object({
  tenantId: z.guid(),
  name: z.string().min(1).max(200),
  partnerIds: z.array(z.string().regex(/^\d{4,10}$/)).min(1),
});
export type PartnerOrganisation = z.infer<typeof PartnerOrganisationSchema>;

export const ActorSchema = z.object({
  userId: z.string().min(1).max(200),
  tenantId: z.guid(),
  displayName: z.string().max(200).optional(),
  /** As Teams or the directory knows it; offered as the partner contact, never trusted for access. */
  email: z.string().max(254).optional(),
  roles: z.array(RoleSchema),
  /** Present for partner users (and reviewers who belong to a partner organisation). */
  organisation: PartnerOrganisationSchema.optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const SYSTEM_ACTOR_ID = 'system';

export function isPartnerRole(role: Role): role is PartnerRole {
  return (PARTNER_ROLES as readonly string[]).includes(role);
}
