import assert from 'node:assert/strict';
import { POE_FILE } from '../../poe/poeLinks.js';
import { claimAt, createHarness, partner, reviewer, type Harness } from '../support/serviceHarness.js';
import { startConsentPage, type ConsentPageServer } from './consentPageServer.js';

interface Step {
  status: number;
  html: string;
  cookie?: string;
  csrf?: string;
}

async function get(url: string): Promise<Step> {
  const response = await fetch(url, { redirect: 'manual' });
  const html = await response.text();
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return { status: response.status, html, ...(cookie ? { cookie } : {}), ...(csrf ? { csrf } : {}) };
}

async function post(url: string, form: Record<string, string>, cookie?: string): Promise<Step> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text() };
}

const errorKind = (html: string) => /id="error" data-kind="([a-z]+)"/.exec(html)?.[1];

for (const serverWideBodyParser of [true, false]) {
  describe(`consent page${serverWideBodyParser ? '' : ' (no server-wide body parser)'}`, () => {
    let harness: Harness;
    let page: ConsentPageServer;

    beforeEach(async () => {
      harness = await createHarness();
      page = await startConsentPage(harness, { serverWideBodyParser });
    });
    afterEach(async () => {
      await page.stop();
      await harness.cleanup();
    });

    /** The claim as stored, read as a reviewer would. */
    const stored = async (id: string) => harness.service.get(reviewer(), id);

    /** Opens the link, goes to the confirmation step, and returns what the form needs. */
    async function confirmStep(link: string): Promise<{ action: string; cookie: string; csrf: string }> {
      const notice = await get(link);
      assert.equal(notice.status, 200);
      const href = /id="opt-out" class="[^"]+" href="([^"]+)"/.exec(notice.html)?.[1];
      assert.ok(href, 'the notice has an Opt out button');
      const confirm = await get(new URL(href.replace(/&#38;/g, '&'), link).toString());
      assert.equal(confirm.status, 200);
      assert.ok(confirm.cookie && confirm.csrf, 'the confirmation step sets a cookie and a CSRF field');
      const action = /<form method="post" action="([^"]+)"/.exec(confirm.html)?.[1];
      assert.ok(action);
      return { action: new URL(action, link).toString(), cookie: confirm.cookie, csrf: confirm.csrf };
    }

    it('shows the notice, and opting out with confirmation rejects the claim (customer declined)', async () => {
      const claim = await claimAt(harness, 'Approved');
      const link = await page.mailLink(claim);
      const notice = await get(link);
      assert.equal(notice.status, 200);
      assert.match(notice.html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
      for (const expected of ['Contoso Partners (PartnerID 4512345)', 'Teams and Exchange', 'usage data', 'no other data', 'opt out until']) {
        assert.ok(notice.html.includes(expected) || notice.html.includes(expected.replace('no other data', 'not see any other data')), expected);
      }
      assert.equal((await stored(claim.id)).version, claim.version, 'opening the page changes nothing');

      const { action, cookie, csrf } = await confirmStep(link);
      const done = await post(action, { csrf }, cookie);
      assert.equal(done.status, 200, done.html);
      assert.match(done.html, /You have opted out/);

      const after = await stored(claim.id);
      assert.equal(after.status, 'Rejected');
      assert.equal(after.rejection?.reason, 'customer-declined');
      const last = after.history.at(-1);
      assert.equal(last?.action, 'optOut');
      assert.equal(last?.role, 'customer');
      assert.equal(last?.actorId, 'email:dana@fabrikam.com');
      assert.equal(last?.actorTenantId, claim.details.customerTenantId);
      const document = await harness.repository.get(claim.id);
      const alerts = document?.outbox.filter((alert) => alert.claimVersion === after.version).map((alert) => `${alert.kind}:${alert.to}`);
      assert.deepEqual(alerts?.sort(), ['customer-opted-out:partner', 'opt-out-confirmation:customer']);

      const again = await post(action, { csrf }, cookie);
      assert.equal(again.status, 410, 'the link is single use');
      assert.equal(errorKind(again.html), 'used');
      assert.equal(errorKind((await get(link)).html), 'used');
      assert.equal((await stored(claim.id)).version, after.version);
    });

    it('refuses a missing or wrong CSRF value, and a missing cookie, changing nothing', async () => {
      const claim = await claimAt(harness, 'Approved');
      const { action, cookie, csrf } = await confirmStep(await page.mailLink(claim));
      for (const [form, sentCookie] of [
        [{}, cookie],
        [{ csrf: `${csrf.slice(0, -2)}xx` }, cookie],
        [{ csrf }, undefined],
        [{ csrf }, `${cookie.split('=')[0]}=someone-elses-nonce`],
      ] as const) {
        const refused = await post(action, form, sentCookie);
        assert.equal(refused.status, 403);
        assert.equal(errorKind(refused.html), 'csrf');
        assert.match(refused.html, /Nothing was changed/);
      }
      const after = await stored(claim.id);
      assert.equal(after.version, claim.version);
      assert.equal(after.status, 'Approved');
    });

    it('refuses a tampered link', async () => {
      const claim = await claimAt(harness, 'Approved');
      const link = await page.mailLink(claim);
      const token = link.split('/consent/')[1]!.split('?')[0]!;
      const [header, payload, signature] = token.split('.');
      const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
      forged.exp = Number(forged.exp) + 86_400 * 365;
      const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      const otherLast = token.endsWith('A') ? 'B' : 'A';
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      // Signed with the page's own key for the same claim, but as a PoE file link.
      const poeLink = await page.tokens.sign(POE_FILE, { cid: claim.id, fid: 'f1', sub: 'u', tid: 't' }, new Date(claim.deadlines.consentWindow!));
      for (const bad of [tampered, `${token.slice(0, -1)}${otherLast}`, unsigned, poeLink, 'v1.e30.AAAA', 'nonsense', '']) {
        const shown = await get(`${page.baseUrl}/consent/${encodeURIComponent(bad)}`);
        assert.equal(shown.status, 400, bad);
        assert.equal(errorKind(shown.html), 'invalid');
        const posted = await post(`${page.baseUrl}/consent/${encodeURIComponent(bad)}`, { csrf: 'x' }, 'a=b');
        assert.equal(posted.status, 400);
      }
      assert.equal((await stored(claim.id)).version, claim.version);
    });

    it('refuses an expired link with the deadline, even with a valid CSRF value', async () => {
      const claim = await claimAt(harness, 'Approved');
      const link = await page.mailLink(claim);
      const { action, cookie, csrf } = await confirmStep(link);
      harness.clock.set(claim.deadlines.consentWindow!);
      const shown = await get(link);
      assert.equal(shown.status, 410);
      assert.equal(errorKind(shown.html), 'expired');
      assert.match(shown.html, /ended on Nov 30, 2026, 09:00 AM UTC/);
      const posted = await post(action, { csrf }, cookie);
      assert.equal(posted.status, 410);
      assert.equal((await stored(claim.id)).status, 'Approved');
    });

    it('tells a second contact that the customer has already opted out', async () => {
      const claim = await claimAt(harness, 'Approved');
      const first = await confirmStep(await page.mailLink(claim));
      const second = await confirmStep(await page.mailLink(claim));
      assert.equal((await post(first.action, { csrf: first.csrf }, first.cookie)).status, 200);
      const late = await post(second.action, { csrf: second.csrf }, second.cookie);
      assert.equal(late.status, 410);
      assert.equal(errorKind(late.html), 'used');
      assert.equal((await stored(claim.id)).history.filter((entry) => entry.action === 'optOut').length, 1);
    });

    it('shows the page in the language of the link, else of the browser', async () => {
      const claim = await claimAt(harness, 'Approved');
      const link = await page.mailLink(claim);
      const swedish = await get(link.replace('lang=en', 'lang=sv'));
      assert.match(swedish.html, /<html lang="sv">/);
      assert.ok(swedish.html.includes('Du behöver inte göra något för att godta.'));
      const response = await fetch(link.split('?')[0]!, { headers: { 'Accept-Language': 'it-IT,it;q=0.9,en;q=0.5' } });
      assert.match(await response.text(), /<html lang="it">/);
    });
  });
}

describe('consent page: a claim no longer waiting for the customer', () => {
  it('says so and changes nothing when the partner has disassociated the claim', async () => {
    const harness = await createHarness({ policy: 'partner-center-2023' });
    const page = await startConsentPage(harness);
    try {
      const claim = await claimAt(harness, 'Approved');
      const link = await page.mailLink(claim);
      const notice = await get(link);
      const href = /id="opt-out" class="[^"]+" href="([^"]+)"/.exec(notice.html)?.[1];
      const confirm = await get(new URL(href!.replace(/&#38;/g, '&'), link).toString());
      const disassociated = await harness.service.disassociate(partner(), claim.id, claim.version, { reason: 'Customer moved to another partner.' });
      const action = new URL(/<form method="post" action="([^"]+)"/.exec(confirm.html)![1]!, link).toString();
      const late = await post(action, { csrf: confirm.csrf! }, confirm.cookie);
      assert.equal(late.status, 410);
      assert.equal(errorKind(late.html), 'closed');
      assert.equal((await harness.service.get(reviewer(), claim.id)).version, disassociated.version);
      assert.equal(errorKind((await get(link)).html), 'closed');
    } finally {
      await page.stop();
      await harness.cleanup();
    }
  });
});
