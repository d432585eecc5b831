import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { POE_FILE } from '../../poe/poeLinks.js';
import { CONSENT_OPT_OUT, signConsentToken, verifyConsentToken } from '../../consent/consentTokens.js';
import { LinkTokens } from '../../services/linkTokens.js';

// The one signed-link format: a compact JWS (HS256) whose audience is the link's purpose, checked
// against the caller's clock.

const FIXED = new Date('2030-01-01T00:00:00Z');
const LATER = new Date(FIXED.getTime() + 60_000);
const CONSENT = { claimId: 'CPOR-2030-000001', customerTenantId: '22222222-2222-4222-8222-222222222222', expiresAt: LATER, contactEmail: 'dana@fabrikam.com' };
const POE = { cid: 'CPOR-2030-000001', fid: 'f1', sub: 'user-1', tid: 'tenant-1' };

describe('signed links', () => {
  const tokens = new LinkTokens(Buffer.alloc(32, 7));

  it('are compact JWS, HS256, with issuer, audience and expiry, URL-safe as they are', async () => {
    const token = await tokens.sign(POE_FILE, POE, LATER);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(decodeJwt(token), { ...POE, iss: 'cpor-claims-assistant', aud: 'cpor:poe-file', exp: LATER.getTime() / 1000 });
    assert.equal(encodeURIComponent(token), token);
    assert.deepEqual(await tokens.verify(POE_FILE, token, FIXED), { ok: true, claims: POE, expiresAt: LATER });
  });

  it('refuses a consent token as a PoE link, and a PoE token as a consent link', async () => {
    const consent = await signConsentToken(tokens, CONSENT);
    assert.equal((await verifyConsentToken(tokens, consent, FIXED)).ok, true);
    assert.deepEqual(await tokens.verify(POE_FILE, consent, FIXED), { ok: false, reason: 'invalid' });

    const poe = await tokens.sign(POE_FILE, POE, LATER);
    assert.deepEqual(await tokens.verify(CONSENT_OPT_OUT, poe, FIXED), { ok: false, reason: 'invalid' });
    assert.deepEqual(await verifyConsentToken(tokens, poe, FIXED), { ok: false, reason: 'invalid' });
  });

  it('gives each consent link an id of its own, which is what a use is recorded against', async () => {
    const nonces = new Set<string>();
    for (let index = 0; index < 200; index += 1) {
      const check = await verifyConsentToken(tokens, await signConsentToken(tokens, CONSENT), FIXED);
      assert.ok(check.ok);
      assert.match(check.token.nonce, /^[0-9a-f]{32}$/);
      nonces.add(check.token.nonce);
    }
    assert.equal(nonces.size, 200);
  });

  it('refuses a token signed with another key, or with its signature respelled', async () => {
    const other = await new LinkTokens(Buffer.alloc(32, 8)).sign(POE_FILE, POE, LATER);
    assert.deepEqual(await tokens.verify(POE_FILE, other, FIXED), { ok: false, reason: 'invalid' });
    assert.deepEqual(await verifyConsentToken(tokens, await signConsentToken(new LinkTokens(Buffer.alloc(32, 8)), CONSENT), FIXED), {
      ok: false,
      reason: 'invalid',
    });

    // The last character's spare bits: decoders ignore them, we do not.
    const token = await tokens.sign(POE_FILE, POE, LATER);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]!;
    assert.deepEqual(await tokens.verify(POE_FILE, `${token.slice(0, -1)}${twin}`, FIXED), { ok: false, reason: 'invalid' });
  });

  it('expires by the clock it is given, not the system time', async () => {
    const token = await tokens.sign(POE_FILE, POE, LATER);
    assert.equal((await tokens.verify(POE_FILE, token, new Date(LATER.getTime() - 1))).ok, true);
    assert.deepEqual(await tokens.verify(POE_FILE, token, LATER), { ok: false, reason: 'expired', claims: POE, expiresAt: LATER });
    // Long past by the wall clock, still valid by the given one.
    const old = await tokens.sign(POE_FILE, POE, new Date('2001-01-01T00:00:00Z'));
    assert.equal((await tokens.verify(POE_FILE, old, new Date('2000-12-31T23:59:59Z'))).ok, true);

    const consent = await signConsentToken(tokens, CONSENT);
    const expired = await verifyConsentToken(tokens, consent, LATER);
    assert.ok(!expired.ok && expired.reason === 'expired', 'an expired consent link still says whose it was');
    assert.equal(expired.token.claimId, CONSENT.claimId);
    assert.equal(expired.token.expiresAt.toISOString(), LATER.toISOString());
  });

  it('binds a form value to a link and a cookie nonce', () => {
    const csrf = tokens.csrfFor('token', 'nonce');
    assert.equal(tokens.checkCsrf('token', 'nonce', csrf), true);
    assert.equal(tokens.checkCsrf('token', 'other', csrf), false);
    assert.equal(tokens.checkCsrf('token', undefined, csrf), false);
    assert.equal(new LinkTokens(Buffer.alloc(32, 8)).checkCsrf('token', 'nonce', csrf), false);
  });
});
