import { z } from 'zod';
import { parseEnvironment } from '../services/environment.js';

// The tab's sign-in settings, read from the environment once at start. Production (MicrosoftAppId
// set) verifies Teams SSO tokens: their audience is the manifest's webApplicationInfo (the AAD
// app AAD_APP_CLIENT_ID and its `api://botid-<id>` resource), their keys come from the JWKS URL
// and their issuer is one of the templates with the token's own tenant id in place of {tenantid}.

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const list = (value: unknown) => (typeof value === 'string' && value.trim() ? value.split(',').map((entry) => entry.trim()) : undefined);

/** Entra ID's signing keys, for every tenant. */
export const DEFAULT_JWKS_URL = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
/** v2.0 and v1.0 access tokens name their issuer differently; Teams SSO may hand out either. */
export const DEFAULT_ISSUERS = ['https://login.microsoftonline.com/{tenantid}/v2.0', 'https://sts.windows.net/{tenantid}/'];

const TabEnvironmentSchema = z.object({
  MicrosoftAppId: z.preprocess(emptyToUndefined, z.string().trim().optional()),
  AAD_APP_CLIENT_ID: z.preprocess(emptyToUndefined, z.string().trim().optional()),
  TAB_SSO_AUDIENCES: z.preprocess(list, z.array(z.string().min(1)).optional()),
  TAB_SSO_JWKS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).default(DEFAULT_JWKS_URL)),
  TAB_SSO_ISSUERS: z.preprocess(
    list,
    z.array(z.string().includes('{tenantid}', { message: 'each issuer with a {tenantid} placeholder' })).default(DEFAULT_ISSUERS),
  ),
});

export type TabSignIn =
  /** No app id: the page names the user (Teams context or query parameters), as the bot's local mode. */
  { mode: 'local' } | { mode: 'sso'; audiences: string[]; jwksUrl: string; issuers: string[] };

export function loadTabSignIn(environment: NodeJS.ProcessEnv): TabSignIn {
  const env = parseEnvironment(TabEnvironmentSchema, environment, 'Tab');
  if (!env.MicrosoftAppId) return { mode: 'local' };
  const clientId = env.AAD_APP_CLIENT_ID ?? env.MicrosoftAppId;
  return {
    mode: 'sso',
    audiences: env.TAB_SSO_AUDIENCES ?? [clientId, `api://botid-${clientId}`],
    jwksUrl: env.TAB_SSO_JWKS_URL,
    issuers: env.TAB_SSO_ISSUERS,
  };
}
