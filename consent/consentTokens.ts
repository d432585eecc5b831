import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { LinkPurpose, LinkTokens } from '../services/linkTokens.js';

// The consent page's links (services/linkTokens.ts has the format): this claim, this customer
// tenant, this contact, purpose opt-out, valid until the consent window ends. The contact travels
// as a digest (`sub`), never as an address; `jti` makes each link unique and is what "used" is
// recorded against (usedConsentTokens.ts).

const ConsentClaims = z.object({
  /** the claim */
  cid: z.string().regex(/^CPOR-\d{4}-\d{6,}$/),
  /** the customer tenant */
  tid: z.guid(),
  /** the contact the link was sent to, as a digest */
  sub: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  jti: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

export const CONSENT_OPT_OUT: LinkPurpose<z.infer<typeof ConsentClaims>> = { audience: 'cpor:consent-opt-out', claims: ConsentClaims };

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

export function signConsentToken(
  tokens: LinkTokens,
  input: { claimId: string; customerTenantId: string; expiresAt: Date; contactEmail: string },
): Promise<string> {
  const claims = {
    cid: input.claimId,
    tid: input.customerTenantId.toLowerCase(),
    sub: contactKeyOf(input.contactEmail),
    // 122 random bits; randomUUID draws them from a cached batch, randomBytes makes a call per token.
    jti: randomUUID().replaceAll('-', ''),
  };
  return tokens.sign(CONSENT_OPT_OUT, claims, input.expiresAt);
}

export async function verifyConsentToken(tokens: LinkTokens, raw: string, now: Date): Promise<TokenCheck> {
  const check = await tokens.verify(CONSENT_OPT_OUT, raw, now);
  if (!check.ok && check.reason === 'invalid') return check;
  const { cid, tid, sub, jti } = check.claims;
  const token: ConsentToken = { claimId: cid, customerTenantId: tid, purpose: 'opt-out', expiresAt: check.expiresAt, contactKey: sub, nonce: jti };
  return check.ok ? { ok: true, token } : { ok: false, reason: 'expired', token };
}
