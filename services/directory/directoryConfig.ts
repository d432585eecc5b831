import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnvironment } from '../environment.js';
import { ROLES, type Role } from '../actor.js';

// The directory's and the consent mail's configuration, read from the environment once at start
// and checked like bot/config.ts: each bad value is named with what was expected.

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(emptyToUndefined, z.string().trim().optional());
const integer = (fallback: number, min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** `groupId=role,groupId=role`: Entra group object ids and the role membership grants. */
const RoleGroupsSchema = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() ? value.split(',').map((pair) => pair.trim()) : []),
  z.array(
    z
      .string()
      .regex(/^[0-9a-fA-F-]{36}=[a-z-]+$/, 'each entry as <group object id>=<role>, separated by commas')
      .transform((pair) => {
        const [groupId = '', role = ''] = pair.split('=');
        return { groupId: groupId.toLowerCase(), role };
      })
      .pipe(z.object({ groupId: z.guid(), role: z.enum(ROLES) })),
  ),
);

/** A Graph base URL: https, or plain http only for a stand-in on this machine (tests). */
const GraphBaseUrlSchema = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/ })
    .default('https://graph.microsoft.com')
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    }, 'an https URL (plain http only for localhost)')
    .transform((value) => value.replace(/\/+$/, '')),
);

const DirectoryEnvironmentSchema = z
  .object({
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
    PORT: integer(3978, 1, 65535),
    PUBLIC_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    ROSTER_FILE: optionalText,
    ROSTER_AUDIT_FILE: optionalText,
    DIRECTORY_CACHE_SECONDS: integer(60, 0, 3600),
    BOOTSTRAP_ORGANISATIONS: optionalText,
    BOOTSTRAP_ADMINS: optionalText,
    GRAPH_TENANT_ID: z.preprocess(emptyToUndefined, z.guid('the Entra tenant id (a GUID)').optional()),
    GRAPH_CLIENT_ID: z.preprocess(emptyToUndefined, z.guid('the app registration client id (a GUID)').optional()),
    GRAPH_CLIENT_SECRET: optionalText,
    GRAPH_BASE_URL: GraphBaseUrlSchema,
    GRAPH_ROLE_GROUPS: RoleGroupsSchema,
    GRAPH_MAIL_SENDER: z.preprocess(emptyToUndefined, z.email('a mailbox address or user id').optional()),
    GRAPH_TIMEOUT_MS: integer(10_000, 100, 120_000),
    GRAPH_MAX_RETRIES: integer(3, 0, 10),
    GRAPH_MAX_RETRY_AFTER_SECONDS: integer(30, 0, 180),
    CONSENT_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'at least 32 characters').optional()),
    CONSENT_MAIL_FROM: z.preprocess(emptyToUndefined, z.email().optional()),
  })
  .superRefine((env, context) => {
    const graph = [env.GRAPH_TENANT_ID, env.GRAPH_CLIENT_ID, env.GRAPH_CLIENT_SECRET];
    if (graph.some(Boolean) && !graph.every(Boolean)) {
      for (const [name, value] of [
        ['GRAPH_TENANT_ID', env.GRAPH_TENANT_ID],
        ['GRAPH_CLIENT_ID', env.GRAPH_CLIENT_ID],
        ['GRAPH_CLIENT_SECRET', env.GRAPH_CLIENT_SECRET],
      ] as const) {
        if (!value) context.addIssue({ code: 'custom', path: [name], message: 'required: the Graph directory needs all three' });
      }
    }
  });

export interface GraphSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  roleGroups: { groupId: string; role: Role }[];
  /** The mailbox consent notices are sent from; mail goes to the outbox folder without it. */
  mailSender?: string;
  timeoutMs: number;
  maxRetries: number;
  maxRetryAfterSeconds: number;
}

export interface DirectoryConfig {
  dataDir: string;
  rosterFile: string;
  auditFile: string;
  cacheTtlMs: number;
  bootstrapOrganisations?: string;
  bootstrapAdmins?: string;
  /** Present when GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET are all set. */
  graph?: GraphSettings;
  consentSecret?: string;
  /** Where the consent page is reached from outside, e.g. https://bot.example.com. */
  publicBaseUrl: string;
  /** The From address of `.eml` files written when Graph is not configured. */
  mailFrom: string;
}

export function loadDirectoryConfig(environment: NodeJS.ProcessEnv = process.env): DirectoryConfig {
  const env = parseEnvironment(DirectoryEnvironmentSchema, environment, 'Directory');
  const dataDir = resolve(env.DATA_DIR);
  const graph: GraphSettings | undefined =
    env.GRAPH_TENANT_ID && env.GRAPH_CLIENT_ID && env.GRAPH_CLIENT_SECRET
      ? {
          tenantId: env.GRAPH_TENANT_ID,
          clientId: env.GRAPH_CLIENT_ID,
          clientSecret: env.GRAPH_CLIENT_SECRET,
          baseUrl: env.GRAPH_BASE_URL,
          roleGroups: env.GRAPH_ROLE_GROUPS,
          mailSender: env.GRAPH_MAIL_SENDER,
          timeoutMs: env.GRAPH_TIMEOUT_MS,
          maxRetries: env.GRAPH_MAX_RETRIES,
          maxRetryAfterSeconds: env.GRAPH_MAX_RETRY_AFTER_SECONDS,
        }
      : undefined;
  return {
    dataDir,
    rosterFile: resolve(env.ROSTER_FILE ?? join(dataDir, 'roster.jsonl')),
    auditFile: resolve(env.ROSTER_AUDIT_FILE ?? join(dataDir, 'roster-audit.jsonl')),
    cacheTtlMs: env.DIRECTORY_CACHE_SECONDS * 1000,
    bootstrapOrganisations: env.BOOTSTRAP_ORGANISATIONS,
    bootstrapAdmins: env.BOOTSTRAP_ADMINS,
    graph,
    consentSecret: env.CONSENT_SECRET,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    mailFrom: env.CONSENT_MAIL_FROM ?? env.GRAPH_MAIL_SENDER ?? 'cpor-claims-assistant@localhost',
  };
}
