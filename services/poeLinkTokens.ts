import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Signed links to one proof-of-execution file for one reader: this claim, this file, this user of
// this tenant, until this instant. The link only says who asked; the file route checks again, at
// open, that this reader may still see the claim. HMAC-SHA256 with the consent links' secret,
// under its own prefix, so a consent token is never a valid PoE token nor the reverse.
// Format: `p1.<base64url(JSON payload)>.<base64url(HMAC of "poe.p1.<payload>")>`.

const VERSION = 'p1';

const PayloadSchema = z
  .object({
    /** claim id */
    c: z.string().regex(/^CPOR-\d{4}-\d{6,}$/),
    /** file id */
    f: z.string().min(1).max(200),
    /** reader's AAD object id and tenant */
    u: z.string().min(1).max(128),
    t: z.string().min(1).max(128),
    /** expiry, epoch seconds */
    e: z.number().int().positive(),
  })
  .strict();

export interface PoeLinkToken {
  claimId: string;
  fileId: string;
  userId: string;
  tenantId: string;
  expiresAt: Date;
}

export type PoeTokenCheck = { ok: true; token: PoeLinkToken } | { ok: false; reason: 'invalid' | 'expired' };

export class PoeLinkTokens {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the link secret must be at least 32 bytes');
  }

  sign(token: PoeLinkToken): string {
    const payload: z.infer<typeof PayloadSchema> = {
      c: token.claimId,
      f: token.fileId,
      u: token.userId,
      t: token.tenantId,
      e: Math.floor(token.expiresAt.getTime() / 1000),
    };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  verify(text: string, now: Date): PoeTokenCheck {
    const parts = text.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'invalid' };
    const body = `${parts[0]}.${parts[1]}`;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(parts[2] ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const parsed = PayloadSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const { c, f, u, t, e } = parsed.data;
    if (now.getTime() >= e * 1000) return { ok: false, reason: 'expired' };
    return { ok: true, token: { claimId: c, fileId: f, userId: u, tenantId: t, expiresAt: new Date(e * 1000) } };
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(`poe.${text}`).digest('base64url');
  }
}
