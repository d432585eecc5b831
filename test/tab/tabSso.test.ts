import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { OTHER_PARTNER, PARTNER } from '../e2e/support/e2eApp.js';
import { makeKnownClaims, startTabApp, type TabApp } from './support/tabApp.js';

// Production mode (MicrosoftAppId set): the tab takes only Teams SSO tokens, verified against a
// JWKS (here a stand-in on this machine in place of Entra ID's), for the configured audience,
// the token's own tenant's issuer, and not expired on the app's clock. The local mode's
// user/tenant query parameters are refused.

const CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const KEY_ID = 'test-key-1';

describe('claims tab: Teams SSO in production mode', function () {
  this.timeout(60_000);
  let tab: TabApp;
  let jwks: Server;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;
  let jwksRequests = 0;

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    tab = await startTabApp({
      env: {
        MicrosoftAppId: '66666666-7777-4888-9999-000000000000',
        MicrosoftAppPassword: 'not-used-by-these-tests',
        AAD_APP_CLIENT_ID: CLIENT_ID,
        TAB_SSO_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`,
      },
    });
    await makeKnownClaims(tab);
  });
  after(async () => {
    await tab?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  /** A token as Entra ID issues it for the tab, for `person`, valid for an hour from the app's clock. */
  async function token(
    person: { aadObjectId: string; tenantId: string },
    overrides: { audience?: string; expiresAt?: Date; key?: CryptoKey; issuer?: string } = {},
  ): Promise<string> {
    const now = tab.clock.now();
    return new SignJWT({ oid: person.aadObjectId, tid: person.tenantId, name: 'Someone' })
      .setProtectedHeader({ alg: 'RS256', kid: KEY_ID, typ: 'JWT' })
      .setIssuer(overrides.issuer ?? `https://login.microsoftonline.com/${person.tenantId}/v2.0`)
      .setAudience(overrides.audience ?? CLIENT_ID)
      .setIssuedAt(Math.floor(now.getTime() / 1000) - 60)
      .setExpirationTime(Math.floor((overrides.expiresAt ?? new Date(now.getTime() + 3_600_000)).getTime() / 1000))
      .sign(overrides.key ?? signingKey);
  }

  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  it('accepts a valid token: the person is its oid in its tid, with the roles of the directory', async () => {
    const response = await tab.get(undefined, 'api/me', {}, bearer(await token(PARTNER)));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { view: 'partner', name: 'Pat Partner', organisation: 'Contoso Partners' });
    const list = (await (await tab.get(undefined, 'api/claims', {}, bearer(await token(PARTNER)))).json()) as { total: number };
    assert.equal(list.total, 3);
    const other = (await (await tab.get(undefined, 'api/claims', {}, bearer(await token(OTHER_PARTNER)))).json()) as { total: number };
    assert.equal(other.total, 1);
    assert.ok(jwksRequests >= 1, 'the keys came from the configured JWKS');
    assert.equal(
      (await tab.get(undefined, '')).headers.get('content-security-policy')?.includes('http://localhost:*'),
      false,
      'no local framing in production',
    );
  });

  it('accepts the api://botid- resource as the audience too', async () => {
    const response = await tab.get(undefined, 'api/me', {}, bearer(await token(PARTNER, { audience: `api://botid-${CLIENT_ID}` })));
    assert.equal(response.status, 200);
  });

  it('refuses a wrong audience, an expired token, a wrong signature and another tenant as issuer', async () => {
    const cases: [string, string][] = [
      ['wrong audience', await token(PARTNER, { audience: 'api://some-other-app' })],
      ['expired', await token(PARTNER, { expiresAt: new Date(tab.clock.now().getTime() - 5 * 60_000) })],
      ['wrong signature', await token(PARTNER, { key: strangerKey })],
      ['issuer of another tenant', await token(PARTNER, { issuer: `https://login.microsoftonline.com/${OTHER_PARTNER.tenantId}/v2.0` })],
      ['not a token', 'not.a.token'],
    ];
    for (const [what, value] of cases) {
      const response = await tab.get(undefined, 'api/claims', {}, bearer(value));
      assert.equal(response.status, 401, what);
      assert.equal(await errorCode(response), 'sign-in-invalid', what);
    }
    const missing = await tab.get(undefined, 'api/claims');
    assert.equal(missing.status, 401);
    assert.equal(await errorCode(missing), 'sign-in-missing');
  });

  it("refuses the local mode's user and tenant parameters, even beside a valid token", async () => {
    const alone = await tab.get(PARTNER, 'api/claims');
    assert.equal(alone.status, 401);
    assert.equal(await errorCode(alone), 'sign-in-local-parameters');
    const withToken = await tab.get(OTHER_PARTNER, 'api/export', {}, bearer(await token(OTHER_PARTNER)));
    assert.equal(withToken.status, 401);
    assert.match(((await withToken.json()) as { error: { message: string } }).error.message, /production/);
  });
});
