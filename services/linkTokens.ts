import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { BlobStore } from './store/blobStore.js';

// The one signed-link format: a compact JWS (a JWT, HS256) for every link the bot mails or shows,
// the consent page's and the proof-of-execution files'. The purpose is the audience (`aud`), so a
// token made for one purpose never verifies for another; `exp` is checked against the instant the
// caller passes (its Clock), never the system time. Compact JWS is base64url parts joined by
// dots, so a token goes into a URL path as it is.

const ISSUER = 'cpor-claims-assistant';
const ALGORITHM = 'HS256';
const SIGNED_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: 'JWT' })).toString('base64url');

/** What a link is for: its audience, and the claims it carries besides the registered ones. */
export interface LinkPurpose<T extends JWTPayload> {
  audience: string;
  claims: z.ZodType<T>;
}

export type LinkCheck<T> =
  | { ok: true; claims: T; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  /** Signed by us for this purpose, but past `exp`: callers may say until when it was valid. */
  | { ok: false; reason: 'expired'; claims: T; expiresAt: Date };

export class LinkTokens {
  private readonly key: Uint8Array;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the link secret must be at least 32 bytes');
    this.key = new Uint8Array(secret);
  }

  /** Signed with node's HMAC at once: a card shows a link per file, and jose's Web Crypto signing costs far more per token. */
  async sign<T extends JWTPayload>(purpose: LinkPurpose<T>, claims: T, expiresAt: Date): Promise<string> {
    const payload = { ...purpose.claims.parse(claims), iss: ISSUER, aud: purpose.audience, exp: Math.floor(expiresAt.getTime() / 1000) };
    const signingInput = `${SIGNED_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', this.key).update(signingInput).digest('base64url')}`;
  }

  /** Checks signature, issuer and purpose (`invalid`), then expiry at `now` (`expired`). */
  async verify<T extends JWTPayload>(purpose: LinkPurpose<T>, token: string, now: Date): Promise<LinkCheck<T>> {
    if (!isCanonical(token)) return { ok: false, reason: 'invalid' };
    let payload: JWTPayload;
    let expired = false;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: purpose.audience,
        requiredClaims: ['exp'],
        currentDate: now,
      }));
    } catch (error) {
      // jose checks the signature before the claims: an expired token's payload is ours.
      if (error instanceof errors.JWTExpired) {
        payload = error.payload;
        expired = true;
      } else if (error instanceof errors.JOSEError) {
        return { ok: false, reason: 'invalid' };
      } else {
        throw error;
      }
    }
    const parsed = purpose.claims.safeParse(payload);
    if (!parsed.success || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
    const expiresAt = new Date(payload.exp * 1000);
    return expired ? { ok: false, reason: 'expired', claims: parsed.data, expiresAt } : { ok: true, claims: parsed.data, expiresAt };
  }

  /**
   * The value a form must send back with `token`: an HMAC binding the token to a random nonce that
   * also travels in a SameSite cookie, so a forged cross-site POST has neither.
   */
  csrfFor(token: string, cookieNonce: string): string {
    return createHmac('sha256', this.key).update(`csrf.${token}.${cookieNonce}`).digest('base64url');
  }

  checkCsrf(token: string, cookieNonce: string | undefined, submitted: string | undefined): boolean {
    if (!cookieNonce || !submitted) return false;
    const expected = Buffer.from(this.csrfFor(token, cookieNonce));
    const given = Buffer.from(submitted);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/**
 * One spelling per token. Base64url decoders ignore the spare low bits of a signature's last
 * character, so a link with that character changed would still verify; we only take the form we
 * signed.
 */
function isCanonical(token: string): boolean {
  const signature = token.split('.')[2] ?? '';
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

/** Where the generated signing secret is kept in the blob store. */
export const LINK_SECRET_BLOB = 'consent/secret';

/**
 * The signing secret: CONSENT_SECRET when set, else a blob (`DATA_DIR/consent/secret` with the
 * files engine, a row shared by every instance with PostgreSQL) created once with 32 random bytes.
 * Instances starting together agree: the blob is created only if absent and all read the winner's.
 */
export async function loadLinkSecret(blobs: BlobStore, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  await blobs.create(LINK_SECRET_BLOB, Buffer.from(randomBytes(32).toString('hex'), 'utf8'));
  const stored = await blobs.get(LINK_SECRET_BLOB);
  const secret = Buffer.from((stored ?? Buffer.alloc(0)).toString('utf8').trim(), 'hex');
  if (secret.length < 32) throw new Error(`${blobs.locationOf(LINK_SECRET_BLOB)} does not hold a 32-byte hex secret; delete it to make a new one`);
  return secret;
}
