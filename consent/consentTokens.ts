import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

// Signed links for the consent page. A token says: this claim, this customer tenant, this
// contact, purpose opt-out, valid until the consent window ends. HMAC-SHA256 with a secret from
// CONSENT_SECRET or one generated once and kept under DATA_DIR, so links survive restarts.
// Format: `v1.<base64url(JSON payload)>.<base64url(HMAC of "v1.<payload>")>`.

const VERSION = 'v1';

const PayloadSchema = z
  .object({
    /** claim id */
    c: z.string().regex(/^CPOR-\d{4}-\d{6,}$/),
    /** customer tenant id */
    t: z.guid(),
    /** purpose */
    p: z.literal('opt-out'),
    /** expiry, epoch seconds */
    e: z.number().int().positive(),
    /** the contact the link was sent to, as a digest (no address in the URL) */
    k: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
    /** nonce: makes each link unique, and is what "used" is recorded against */
    n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  })
  .strict();

export interface ConsentToken {
  claimId: string;
  customerTenantId: string;
  purpose: 'opt-out';
  expiresAt: Date;
  contactKey: string;
  nonce: string;
}

export type TokenCheck = { ok: true; token: ConsentToken } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'expired'; token: ConsentToken };

/** A digest of a contact's address, as carried in tokens. */
export function contactKeyOf(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 16);
}

export class ConsentTokens {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the consent secret must be at least 32 bytes');
  }

  sign(input: { claimId: string; customerTenantId: string; expiresAt: Date; contactEmail: string }): string {
    const payload: z.infer<typeof PayloadSchema> = {
      c: input.claimId,
      t: input.customerTenantId.toLowerCase(),
      p: 'opt-out',
      e: Math.floor(input.expiresAt.getTime() / 1000),
      k: contactKeyOf(input.contactEmail),
      n: randomBytes(16).toString('base64url'),
    };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Checks signature, shape and purpose first (`invalid`), then expiry (`expired`). */
  verify(text: string, now: Date): TokenCheck {
    const parts = text.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'invalid' };
    const body = `${parts[0]}.${parts[1]}`;
    if (!equalText(this.mac(body), parts[2] ?? '')) return { ok: false, reason: 'invalid' };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const parsed = PayloadSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const payload = parsed.data;
    const token: ConsentToken = {
      claimId: payload.c,
      customerTenantId: payload.t,
      purpose: payload.p,
      expiresAt: new Date(payload.e * 1000),
      contactKey: payload.k,
      nonce: payload.n,
    };
    if (now.getTime() >= token.expiresAt.getTime()) return { ok: false, reason: 'expired', token };
    return { ok: true, token };
  }

  /**
   * The CSRF value a confirmation form must send back: an HMAC binding the token to a random
   * nonce that also travels in a SameSite cookie, so a forged cross-site POST has neither.
   */
  csrfFor(token: string, cookieNonce: string): string {
    return this.mac(`csrf.${token}.${cookieNonce}`);
  }

  checkCsrf(token: string, cookieNonce: string | undefined, submitted: string | undefined): boolean {
    if (!cookieNonce || !submitted) return false;
    return equalText(this.csrfFor(token, cookieNonce), submitted);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url');
  }
}

function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The signing secret: CONSENT_SECRET when set, else `DATA_DIR/consent/secret`, created once with
 * 32 random bytes (mode 0600). Two processes starting together agree: the file is created
 * exclusively and the loser reads the winner's.
 */
export async function loadConsentSecret(dataDir: string, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const folder = join(dataDir, 'consent');
  const path = join(folder, 'secret');
  await mkdir(folder, { recursive: true });
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(randomBytes(32).toString('hex'), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  if (secret.length < 32) throw new Error(`${path} does not hold a 32-byte hex secret; delete it to make a new one`);
  return secret;
}
