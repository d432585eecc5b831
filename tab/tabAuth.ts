import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Clock } from '../services/clock.js';
import type { TabSignIn } from './tabConfig.js';

// Who is asking, for every tab request. Production: a Teams SSO token (authentication.getAuthToken
// in the page) in `Authorization: Bearer`, verified here: signature against the JWKS, audience,
// issuer of the token's tenant, expiry on the app's clock; the person is its `oid` in its `tid`.
// Local mode (no MicrosoftAppId, like /api/messages): the page names the user and tenant in the
// `user` and `tenant` query parameters; production refuses a request that carries them.

export interface TabIdentity {
  userId: string;
  tenantId: string;
  name?: string;
}

export type SignInProblem = 'missing' | 'invalid' | 'local-parameters';

export class SignInError extends Error {
  constructor(readonly problem: SignInProblem) {
    super(`tab sign-in: ${problem}`);
    this.name = 'SignInError';
  }
}

export interface TabAuthenticator {
  readonly mode: 'local' | 'sso';
  identify(req: IncomingMessage): Promise<TabIdentity>;
}

export const IDENTITY_PARAMETERS = ['user', 'tenant'] as const;

const LocalIdentitySchema = z.object({ user: z.string().trim().min(1).max(200), tenant: z.guid() });

const TokenClaimsSchema = z.object({
  oid: z.string().min(1).max(128),
  tid: z.guid(),
  iss: z.string(),
  name: z.string().max(200).optional(),
});

/** Token lifetimes are an hour; a minute of skew between Entra ID and this machine is tolerated. */
const CLOCK_TOLERANCE_SECONDS = 60;
const MAX_TOKEN_LENGTH = 16 * 1024;

export function createTabAuthenticator(signIn: TabSignIn, clock: Clock): TabAuthenticator {
  return signIn.mode === 'local' ? new LocalAuthenticator() : new SsoAuthenticator(signIn, clock);
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

class LocalAuthenticator implements TabAuthenticator {
  readonly mode = 'local';

  async identify(req: IncomingMessage): Promise<TabIdentity> {
    const query = queryOf(req);
    if (!query.has('user') && !query.has('tenant')) throw new SignInError('missing');
    const parsed = LocalIdentitySchema.safeParse({ user: query.get('user'), tenant: query.get('tenant') });
    if (!parsed.success) throw new SignInError('invalid');
    return { userId: parsed.data.user, tenantId: parsed.data.tenant.toLowerCase() };
  }
}

class SsoAuthenticator implements TabAuthenticator {
  readonly mode = 'sso';
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly signIn: Extract<TabSignIn, { mode: 'sso' }>,
    private readonly clock: Clock,
  ) {
    // jose caches the keys and fetches again (rate-limited) when a token names an unknown key id.
    this.keys = createRemoteJWKSet(new URL(signIn.jwksUrl));
  }

  async identify(req: IncomingMessage): Promise<TabIdentity> {
    const query = queryOf(req);
    // Never a silent fallback: a page that names its user in production is refused outright.
    if (IDENTITY_PARAMETERS.some((name) => query.has(name))) throw new SignInError('local-parameters');
    const header = req.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!token) throw new SignInError('missing');
    if (token.length > MAX_TOKEN_LENGTH) throw new SignInError('invalid');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        audience: this.signIn.audiences,
        algorithms: ['RS256'],
        currentDate: this.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'oid', 'tid', 'iss'],
      }));
    } catch {
      throw new SignInError('invalid');
    }
    const claims = TokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new SignInError('invalid');
    const tenantId = claims.data.tid.toLowerCase();
    // The issuer must be Entra ID's for the tenant the token names, so one tenant can't speak for another.
    const issuers = this.signIn.issuers.map((template) => template.replace('{tenantid}', tenantId));
    if (!issuers.includes(claims.data.iss.toLowerCase()) && !issuers.includes(claims.data.iss)) throw new SignInError('invalid');
    return { userId: claims.data.oid, tenantId, ...(claims.data.name ? { name: claims.data.name } : {}) };
  }
}
