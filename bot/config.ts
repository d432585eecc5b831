import { resolve } from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from '../services/businessCalendar.js';
import { parseEnvironment } from '../services/environment.js';
import { defaultInstanceId } from '../services/instance.js';
import { POLICY_NAMES } from '../services/policy.js';
import { STORE_ENGINES } from '../storage/openStorage.js';

export { ConfigurationError } from '../services/environment.js';
import { SUPPORTED_LOCALES } from '../cards/i18n/i18n.js';

// Configuration comes from the environment, checked once at start; each bad value is named with
// what was expected, and the bot does not start.

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(emptyToUndefined, z.string().trim().optional());
const integer = (fallback: number, min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const EnvironmentSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
    PORT: integer(3978, 1, 65535),
    HOST: optionalText,
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
    MicrosoftAppId: optionalText,
    MicrosoftAppPassword: optionalText,
    MicrosoftAppType: z.preprocess(emptyToUndefined, z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant')),
    MicrosoftAppTenantId: optionalText,
    CPOR_POLICY: z.preprocess(emptyToUndefined, z.enum(POLICY_NAMES).default('seed-2020')),
    CPOR_TIME_ZONE: z.preprocess(emptyToUndefined, z.string().default('UTC').refine(isValidTimeZone, 'an IANA time zone name such as Europe/Madrid')),
    CPOR_HOLIDAYS: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() ? value.split(',').map((day) => day.trim()) : []),
      z.array(z.iso.date('each holiday as YYYY-MM-DD, separated by commas')),
    ),
    DEFAULT_LOCALE: z.preprocess(emptyToUndefined, z.enum(SUPPORTED_LOCALES).default('en')),
    MAX_BODY_BYTES: integer(256 * 1024, 1024, 10 * 1024 * 1024),
    CPOR_POE_HOSTS: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() ? value.split(',').map((host) => host.trim()) : undefined),
      z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, 'host names such as *.sharepoint.com, separated by commas')).optional(),
    ),
    // The PoE pre-check (poe/precheck/): on unless turned off; OCR when Debian's tesseract is there.
    POE_PRECHECK: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
    POE_PRECHECK_OCR: z.preprocess(emptyToUndefined, z.enum(['auto', 'off']).default('auto')),
    PUBLIC_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    HEALTH_KEY: z.preprocess(emptyToUndefined, z.string().min(24, 'at least 24 characters').optional()),
    STORE: z.preprocess(emptyToUndefined, z.enum(STORE_ENGINES).default('files')),
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATABASE_POOL_SIZE: integer(10, 1, 200),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(5000, 100, 120_000),
    DATABASE_START_WAIT_SECONDS: integer(60, 0, 3600),
    INSTANCE_ID: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .max(200)
        .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only')
        .optional(),
    ),
  })
  .superRefine((env, context) => {
    if (env.MicrosoftAppId && !env.MicrosoftAppPassword && env.MicrosoftAppType !== 'UserAssignedMSI') {
      context.addIssue({ code: 'custom', path: ['MicrosoftAppPassword'], message: 'required when MicrosoftAppId is set' });
    }
    if (env.STORE === 'postgres' && !env.DATABASE_URL) {
      context.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required with STORE=postgres' });
    }
    if (env.MicrosoftAppType === 'SingleTenant' && !env.MicrosoftAppTenantId) {
      context.addIssue({ code: 'custom', path: ['MicrosoftAppTenantId'], message: 'required for a SingleTenant app' });
    }
    if (env.NODE_ENV === 'production' && !env.MicrosoftAppId) {
      context.addIssue({
        code: 'custom',
        path: ['MicrosoftAppId'],
        message: 'required with NODE_ENV=production: the bot will not run unauthenticated in production',
      });
    }
    // Consent links carry single-use tokens and the page sets a CSRF cookie: never over plain http.
    if (env.NODE_ENV === 'production' && !env.PUBLIC_BASE_URL?.startsWith('https:')) {
      context.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'an https:// address, required with NODE_ENV=production' });
    }
  });

export type Environment = z.infer<typeof EnvironmentSchema>;

export interface BotConfig extends Omit<Environment, 'HOST'> {
  /** Loopback unless set: an unauthenticated bot is for this machine only. */
  HOST: string;
  dataDir: string;
  /** No app id: requests are not authenticated (local use only). */
  authenticationDisabled: boolean;
  /** This process among the instances sharing a database: the owner of the leases it takes. */
  instanceId: string;
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): BotConfig {
  const env = parseEnvironment(EnvironmentSchema, environment, 'Bot');
  const authenticationDisabled = !env.MicrosoftAppId;
  const HOST = env.HOST ?? (authenticationDisabled ? '127.0.0.1' : '0.0.0.0');
  return { ...env, HOST, dataDir: resolve(env.DATA_DIR), authenticationDisabled, instanceId: env.INSTANCE_ID ?? defaultInstanceId() };
}

/**
 * Said loudly at start: without an app id anyone who can reach the port can talk as anyone, so
 * local mode listens on loopback; a HOST reaching other machines gets a second warning.
 */
export function warnIfUnauthenticated(config: Pick<BotConfig, 'authenticationDisabled' | 'HOST'>, warn: (text: string) => void = console.warn): void {
  if (!config.authenticationDisabled) return;
  const lines = [
    '',
    '*** LOCAL MODE: no MicrosoftAppId is set, so requests to /api/messages are NOT authenticated. ***',
    '*** Use this only on your own machine; set MicrosoftAppId/MicrosoftAppPassword to deploy.       ***',
  ];
  if (!isLoopbackHost(config.HOST)) {
    lines.push(
      `*** WARNING: HOST=${config.HOST} is not loopback: ANYONE on the network can act as ANY user,     ***`,
      "*** reviewer included, and read every organisation's claims. Unset HOST to stay local.          ***",
    );
  }
  warn([...lines, ''].join('\n'));
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
