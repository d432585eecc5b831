import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Claim } from '../../services/model.js';
import { m365Details } from '../support/serviceHarness.js';
import {
  actorOf,
  assertDoesNotShow,
  assertShows,
  CUSTOMER,
  e2ePerTest,
  invokeCard,
  OTHER_CUSTOMER,
  OTHER_PARTNER,
  PARTNER,
  PARTNER_ES,
  REVIEWER,
  verbsOf,
  type E2E,
} from './support/e2eApp.js';
import type { TeamsUser } from '../support/botClient.js';

// Issue 19: the search message extension, over the Bot Framework protocol through the real server.
// A person finds claims from the compose box and shares one; the shared card names the claim only,
// and each reader's refresh brings what that reader may see, or the same refusal for everyone else.

const en = translatorFor('en');

interface Attachment {
  contentType: string;
  content: Record<string, unknown>;
  preview: { contentType: string; content: { title: string; text: string } };
}
interface SearchResponse {
  composeExtension: { type: 'result' | 'message'; attachmentLayout?: string; attachments?: Attachment[]; text?: string };
}

async function search(
  e2e: E2E,
  person: TeamsUser,
  text: string | undefined,
  queryOptions = { skip: 0, count: 10 },
): Promise<SearchResponse['composeExtension']> {
  const parameters = text === undefined ? [{ name: 'initialRun', value: 'true' }] : [{ name: 'query', value: text }];
  const response = await e2e.client.invoke<SearchResponse>(person, 'composeExtension/query', { commandId: 'searchClaims', parameters, queryOptions });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.composeExtension;
}

const titles = (result: SearchResponse['composeExtension']) => (result.attachments ?? []).map((attachment) => attachment.preview.content.title);

async function northwindClaim(e2e: E2E): Promise<Claim> {
  return e2e.app.claims.create(
    actorOf(OTHER_PARTNER),
    m365Details({
      partnerId: '7700001',
      customerDomain: 'tailspin.onmicrosoft.com',
      customerContact: { name: 'Terry Tailspin', title: 'CIO', email: 'terry@tailspin.com' },
    }),
  );
}

describe('e2e: the search message extension (issue 19)', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();

  it("finds a partner's own claims by id, domain or contact name, and never another organisation's", async () => {
    const e2e = await apps.start();
    const contoso = await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    const northwind = await northwindClaim(e2e);

    for (const text of [contoso.id, contoso.id.slice(-6), 'FABRIKAM', 'dana customer']) {
      const result = await search(e2e, PARTNER, text);
      assert.equal(result.type, 'result');
      assert.deepEqual(titles(result), [`${contoso.id} · Contoso Partners`], `"${text}"`);
    }
    for (const text of [northwind.id, 'tailspin', 'terry', 'Northwind', '']) {
      const result = await search(e2e, PARTNER, text);
      assert.ok(!titles(result).some((title) => title.startsWith(northwind.id)), `"${text}" shows Northwind's claim to Contoso`);
    }
    assert.deepEqual(titles(await search(e2e, OTHER_PARTNER, 'fabrikam')), [], "Contoso's customer is not found from Northwind");
    assert.deepEqual(titles(await search(e2e, OTHER_PARTNER, undefined)), [`${northwind.id} · Northwind Advisors`], 'the first open lists their own latest');
  });

  it('lets a reviewer find every claim, most recently changed first, a page at a time', async () => {
    const e2e = await apps.start();
    const contoso = await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    const northwind = await northwindClaim(e2e);
    assert.deepEqual(titles(await search(e2e, REVIEWER, 'onmicrosoft')), [`${northwind.id} · Northwind Advisors`, `${contoso.id} · Contoso Partners`]);
    assert.deepEqual(titles(await search(e2e, REVIEWER, 'onmicrosoft', { skip: 1, count: 1 })), [`${contoso.id} · Contoso Partners`]);
    const preview = (await search(e2e, REVIEWER, contoso.id)).attachments![0]!.preview.content;
    assert.equal(preview.text, en.t('cards.search.preview', { status: en.t('claims.status.Draft'), customer: 'fabrikam.onmicrosoft.com' }));
  });

  it('tells a customer, and a bad query, why nothing is listed, in their language', async () => {
    const e2e = await apps.start();
    await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    const result = await search(e2e, CUSTOMER, 'fabrikam');
    assert.deepEqual(result, { type: 'message', text: en.t('cards.search.notAllowed') });
    const response = await e2e.client.invoke<SearchResponse>(PARTNER_ES, 'composeExtension/query', { commandId: 'deleteEverything', parameters: [] });
    assert.equal(response.status, 200);
    assert.equal(response.body.composeExtension.type, 'message');
    assert.match(response.body.composeExtension.text ?? '', new RegExp(translatorFor('es').t('errors.validation', { issues: '' }).slice(0, 20)));
  });

  it("shares a card that names the claim only; each reader's refresh shows what they may see", async () => {
    const e2e = await apps.start();
    const claim = await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    const shared = (await search(e2e, PARTNER, claim.id)).attachments![0]!;
    assert.equal(shared.contentType, 'application/vnd.microsoft.card.adaptive');
    assertShows(shared.content, en.t('cards.shared.title', { claimId: claim.id }));
    assertDoesNotShow(shared.content, 'fabrikam', 'Dana', 'Contoso');
    const refresh = shared.content.refresh as { action: { verb: string; data: unknown }; userIds?: unknown };
    assert.equal(refresh.userIds, undefined, 'Teams refreshes it for every reader');
    assert.deepEqual(verbsOf(shared.content), ['openSharedClaim']);

    // The partner who shared it gets their claim card; a reviewer theirs.
    const mine = invokeCard(await e2e.click(PARTNER, refresh.action.verb, refresh.action.data, { trigger: 'automatic' }));
    assertShows(mine, 'fabrikam.onmicrosoft.com');
    assert.ok(verbsOf(mine).includes('edit'), `the partner may edit their draft from it: ${verbsOf(mine).join()}`);
    const reviewers = invokeCard(await e2e.click(REVIEWER, refresh.action.verb, refresh.action.data, { trigger: 'automatic' }));
    assertShows(reviewers, 'fabrikam.onmicrosoft.com');
    assert.ok(!verbsOf(reviewers).includes('edit'), 'a reviewer may not edit it');

    // Another organisation's reader and another tenant's customer get the refusal, which reads the
    // same for a claim that does not exist.
    for (const stranger of [OTHER_PARTNER, OTHER_CUSTOMER]) {
      const refused = invokeCard(await e2e.click(stranger, refresh.action.verb, refresh.action.data, { trigger: 'automatic' }));
      assertShows(refused, en.t('cards.shared.notShared', { claimId: claim.id }));
      assertDoesNotShow(refused, 'fabrikam', 'Dana', 'Contoso');
      assert.equal(refused.refresh, undefined, 'no refresh loop');
    }
    const missing = 'CPOR-2026-999999';
    const none = invokeCard(await e2e.click(OTHER_PARTNER, 'openSharedClaim', { claimId: missing }));
    assertShows(none, en.t('cards.shared.notShared', { claimId: missing }));
    const stored = await e2e.app.claims.get(actorOf(PARTNER), claim.id);
    assert.equal(stored.version, claim.version, 'looking changes nothing');
  });

  it('sending the shared card into the chat with the bot is no command: no answer, and a dialog in progress goes on', async () => {
    const e2e = await apps.start();
    const claim = await e2e.app.claims.create(actorOf(PARTNER), m365Details());
    const shared = (await search(e2e, PARTNER, claim.id)).attachments![0]!;
    // What Teams (and the playground) send: the card, and a placeholder for it in the text.
    const message = {
      text: '<span class="inline-compose-card" itemid="0" itemtype="http://schema.skype.com/InputExtension"><span content="0" itemprop="cardId"></span>&nbsp;</span>',
      attachments: [{ contentType: shared.contentType, content: shared.content }],
    };
    assert.deepEqual(await e2e.say(PARTNER, message), [], 'no "I did not understand", no help card');

    const started = await e2e.say(PARTNER, 'new claim');
    assert.ok(started.length > 0);
    assert.deepEqual(await e2e.say(PARTNER, message), [], 'the dialog does not take the card for an answer');
    const cancelled = await e2e.say(PARTNER, 'cancel');
    assert.equal(cancelled[0]?.text, en.t('bot.cancelled'), 'the dialog was still running');

    // Words typed with a card are read as usual.
    const typed = await e2e.say(PARTNER, { ...message, text: `my claims ${message.text}` });
    assert.ok(typed.length > 0, 'typed words get their answer');
  });
});
