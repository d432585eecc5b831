import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { POE_FILE, PoeLinks } from '../../poe/poeLinks.js';
import type { Actor } from '../../services/actor.js';
import { FIXTURE_NOW, makeClaimDocument } from '../support/claimFixtures.js';
import { signConsentToken } from '../../consent/consentTokens.js';
import { LinkTokens, loadLinkSecret } from '../../services/linkTokens.js';
import type { TeamsUser } from '../support/botClient.js';
import { cardIn, OTHER_PARTNER, PARTNER, PARTNER_ES, REVIEWER, e2ePerTest, type E2E } from '../e2e/support/e2eApp.js';
import { PDF, walkCreateClaim } from '../e2e/support/journey.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';

// Issue 14, item 2: the claim card opens the proof of execution for the claim's partner and the
// reviewers, through a short-lived signed link to the bot's own /poe route, checked again on open.

/** The PoE links of a card: markdown links in its texts, and image select actions. */
function openUrls(card: unknown): string[] {
  const json = JSON.stringify(card);
  return [...new Set([...json.matchAll(/\]\((https?:\/\/[^)\s"]+\/poe\/[^)\s"]+)\)/g)].map((match) => match[1]!))];
}

describe('e2e: the PoE opens from the claim card for the partner and the reviewers (issue 14, 2)', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();

  /** The link on `person`'s claim card, fetched from the running app. */
  async function linkOf(e2e: E2E, person: TeamsUser, claimId: string): Promise<string> {
    const [reply] = await e2e.say(person, `claim ${claimId}`);
    const urls = openUrls(cardIn(reply));
    assert.equal(urls.length, 1, 'one link for the one file');
    const url = new URL(urls[0]!);
    assert.match(url.pathname, /^\/poe\/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/, 'a compact JWS, URL-safe as it is');
    return `${e2e.app.url}${url.pathname}`;
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`opens the PDF for the partner and the reviewer, inline with its type and name (${person.locale})`, async () => {
      const e2e = await apps.start();
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      for (const reader of [person, REVIEWER]) {
        const response = await fetch(await linkOf(e2e, reader, claimId));
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'application/pdf');
        assert.equal(
          response.headers.get('content-disposition'),
          `inline; filename="Signed acknowledgement.pdf"; filename*=UTF-8''Signed%20acknowledgement.pdf`,
        );
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(response.headers.get('cache-control'), 'private, no-store');
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), PDF);
      }
      const t = translatorFor(person.locale);
      const [reply] = await e2e.say(person, `claim ${claimId}`);
      assert.ok(JSON.stringify(cardIn(reply)).includes(`[${t.t('cards.action.open')}](`), "the link is in the reader's language");
    });
  }

  it('refuses a forged, tampered or expired link, and a reader who may not see the claim', async () => {
    const e2e = await apps.start();
    const { claimId } = await walkCreateClaim(e2e, PARTNER, 'submitted');
    const good = await linkOf(e2e, PARTNER, claimId);
    const claim = await e2e.app.claims.get({ userId: REVIEWER.aadObjectId, tenantId: REVIEWER.tenantId, roles: ['reviewer'] }, claimId);
    const fileId = claim.poe[0]!.id;

    // One character of the signature changed.
    const tampered = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    assert.equal((await fetch(tampered)).status, 404);
    assert.equal((await fetch(`${e2e.app.url}/poe/not-a-token`)).status, 404);

    // Signed with the bot's own secret, but for another organisation's admin: checked on open.
    const tokens = new LinkTokens(await loadLinkSecret(new FileBlobStore(e2e.dataDir)));
    const later = new Date(Date.now() + 10 * 60_000);
    const foreign = await tokens.sign(POE_FILE, { cid: claimId, fid: fileId, sub: OTHER_PARTNER.aadObjectId, tid: OTHER_PARTNER.tenantId }, later);
    const refused = await fetch(`${e2e.app.url}/poe/${foreign}`);
    assert.equal(refused.status, 404);
    assert.equal(refused.headers.get('content-type'), 'text/plain; charset=utf-8');

    const mine = { cid: claimId, fid: fileId, sub: PARTNER.aadObjectId, tid: PARTNER.tenantId };
    const expired = await tokens.sign(POE_FILE, mine, new Date(Date.now() - 1000));
    assert.equal((await fetch(`${e2e.app.url}/poe/${expired}`)).status, 410);

    // The right reader and file, but signed with another key.
    const otherKey = await new LinkTokens(Buffer.alloc(32, 8)).sign(POE_FILE, mine, later);
    assert.equal((await fetch(`${e2e.app.url}/poe/${otherKey}`)).status, 404);

    // A consent link for the same claim, signed with the bot's key: not a PoE link.
    const customerTenantId = '22222222-2222-4222-8222-222222222222';
    const consent = await signConsentToken(tokens, { claimId, customerTenantId, expiresAt: later, contactEmail: 'dana@fabrikam.com' });
    assert.equal((await fetch(`${e2e.app.url}/poe/${consent}`)).status, 404);

    // The other organisation's admin gets no link on any card: the claim is unknown to them.
    const [reply] = await e2e.say(OTHER_PARTNER, `claim ${claimId}`);
    assert.deepEqual(openUrls(cardIn(reply)), []);
  });
});

describe('PoeLinks: a link stays the same for half its life', () => {
  const TTL_MS = 30 * 60 * 1000;
  const reviewer: Actor = { userId: 'reviewer-1', tenantId: '55555555-5555-4555-8555-555555555555', roles: ['reviewer'] };
  const otherReviewer: Actor = { ...reviewer, userId: 'reviewer-2' };
  const file = {
    id: 'f1',
    name: 'poe.pdf',
    contentType: 'application/pdf',
    size: 10,
    sha256: 'a'.repeat(64),
    storagePath: 'poe/f1',
    uploadedBy: 'u',
    uploadedAt: FIXTURE_NOW,
  };
  const claim = makeClaimDocument({ poe: [file] }).claim;
  const tokens = new LinkTokens(Buffer.alloc(32, 7));
  let now = Date.parse('2031-05-06T10:00:00.000Z');
  const links = new PoeLinks({
    tokens,
    clock: { now: () => new Date(now), sleep: async () => undefined },
    baseUrl: () => 'https://bot.example.test',
    ttlMs: TTL_MS,
  });
  const tokenOf = (url: string | undefined) => url!.split('/poe/')[1]!;

  it('gives the same reader the same link until half its life has passed, then a new one valid for the whole', async () => {
    const first = (await links.linksFor(reviewer, claim)).f1;
    now += TTL_MS / 2 - 1000;
    assert.equal((await links.linksFor(reviewer, claim)).f1, first);
    assert.notEqual((await links.linksFor(otherReviewer, claim)).f1, first, 'each reader has a link of their own');
    now += 1000;
    const second = (await links.linksFor(reviewer, claim)).f1;
    assert.notEqual(second, first);
    const check = await tokens.verify(POE_FILE, tokenOf(second), new Date(now + TTL_MS - 1000));
    assert.equal(check.ok, true);
  });

  it('gives the same link from another instance and after a restart, and a link shown works for at least half its life', async () => {
    const askedAt = now + 7 * 60 * 1000;
    const at = (instant: number) => ({
      tokens,
      clock: { now: () => new Date(instant), sleep: async () => undefined },
      baseUrl: () => 'https://bot.example.test',
      ttlMs: TTL_MS,
    });
    const shown = (await new PoeLinks(at(askedAt)).linksFor(reviewer, claim)).f1;
    const elsewhere = (await new PoeLinks(at(askedAt + 6 * 60 * 1000)).linksFor(reviewer, claim)).f1;
    assert.equal(elsewhere, shown, 'a new instance, later in the same half of a lifetime, gives the link already shown');
    const lastShownAt = askedAt + 6 * 60 * 1000;
    assert.equal((await tokens.verify(POE_FILE, tokenOf(shown), new Date(lastShownAt + TTL_MS / 2))).ok, true);
  });

  it('does not reuse a link after the clock was moved back', async () => {
    const ahead = (await links.linksFor(reviewer, claim)).f1;
    now -= 60 * 60 * 1000;
    const back = (await links.linksFor(reviewer, claim)).f1;
    assert.notEqual(back, ahead);
    const check = await tokens.verify(POE_FILE, tokenOf(back), new Date(now + TTL_MS + 1000));
    assert.equal(check.ok, false, 'valid for the lifetime from now, not longer');
  });
});
