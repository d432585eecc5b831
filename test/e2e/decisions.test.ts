import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Claim } from '../../services/model.js';
import { cardTitle, fileMessage, textOf } from '../dialogs/support/dialogHarness.js';
import {
  actorOf,
  assertShows,
  cardIn,
  CONTOSO,
  CUSTOMER,
  eventually,
  invokeCard,
  invokeError,
  OTHER_CUSTOMER,
  PARTNER,
  REVIEWER,
  e2ePerTest,
  verbsOf,
  type E2E,
  type Reply,
} from './support/e2eApp.js';
import { REVIEW_TENANT } from '../support/serviceHarness.js';
import { claimInReview, CUSTOMER_DOMAIN, PDF, walkCreateClaim } from './support/journey.js';

// Issue 4 through the real app: a reviewer starts a review and asks for information from the
// claim card (`adaptiveCard/action` invokes carrying the card's `replyToId`), the partner responds
// in the chat, the reviewer approves, the customer opts out in two steps. Every invoke response,
// every card update (PUT) and every proactive alert the outbox worker delivers is asserted on the
// stand-in connector.

const en = translatorFor('en');
const MADRID = 'Europe/Madrid';

/** The version an Action.Execute of `verb` on the card carries (what the next click will send). */
function versionOn(card: Record<string, unknown>, verb: string): number {
  let found: number | undefined;
  const walk = (value: unknown): void => {
    if (found !== undefined) return;
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      const data = object.data as { version?: unknown } | undefined;
      if (object.type === 'Action.Execute' && object.verb === verb && typeof data?.version === 'number') found = data.version;
      else Object.entries(object).forEach(([key, entry]) => key !== 'refresh' && walk(entry));
    }
  };
  walk(card);
  assert.ok(found !== undefined, `no ${verb} action on the card`);
  return found;
}

describe('e2e: decisions and consent from cards (Universal Actions)', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await apps.start();
  });

  const stored = (claimId: string): Promise<Claim> => e2e.app.claims.get(actorOf(REVIEWER), claimId);

  /** Waits (bounded) for a PUT of `activityId` in `person`'s chat whose card shows `text`. */
  async function cardUpdated(person: typeof PARTNER, activityId: string, ...texts: string[]): Promise<Record<string, unknown>> {
    const matching = () =>
      e2e.updatesOf(person, activityId).filter((update) => {
        try {
          assertShows(cardIn(update.body), ...texts);
          return true;
        } catch {
          return false;
        }
      });
    await eventually(() => matching().length > 0, `card ${activityId} of ${person.aadObjectId} updated to show ${texts.join(', ')}`);
    const update = matching().at(-1)!;
    assert.equal((update.body as { id?: string }).id, activityId);
    return cardIn(update.body);
  }

  it('a reviewer whose role was granted by email approves from a card, on their first contact', async () => {
    await e2e.close();
    const email = 'eve.reviewer@reviews.example';
    e2e = await apps.start({ env: { BOOTSTRAP_ADMINS: `${REVIEW_TENANT}:${email}:reviewer` } });
    const eve = { aadObjectId: 'aad-eve', tenantId: REVIEW_TENANT, name: 'Eve Reviewer', locale: 'en-US' };
    // Teams tells the bot the member's email (the roster knows Eve only by it).
    e2e.connector.script(
      { method: 'GET', path: /\/members\/29%3Aaad-eve$/ },
      { status: 200, body: { id: '29:aad-eve', aadObjectId: 'aad-eve', email, userPrincipalName: email } },
      5,
    );
    const claim = await claimInReview(e2e, 'Intune');

    const response = await e2e.click(eve, 'approve', { claimId: claim.id, version: claim.version, approveComment: '' });
    assertShows(invokeCard(response), en.t('claims.status.Approved'));
    const approved = await stored(claim.id);
    assert.equal(approved.status, 'Approved');
    assert.equal(approved.history.at(-1)?.actorId, 'aad-eve');
  });

  it('a customer who types "opt out" gets the notice of each request still open, and opts out from it', async () => {
    const spanish: typeof CUSTOMER = { ...CUSTOMER, locale: 'es-ES' };
    const es = translatorFor('es-ES');
    let replies = await e2e.say(spanish, 'dejar de participar');
    assert.equal(textOf(replies[0]), es.t('bot.nothingToOptOut'), 'nothing to opt out of before approval');

    const inReview = await claimInReview(e2e, 'Viva');
    const approved = await e2e.app.claims.approve(actorOf(REVIEWER), inReview.id, inReview.version);
    replies = await e2e.say(CUSTOMER, 'opt out');
    assert.equal(replies.length, 1);
    const notice = cardIn(replies[0]);
    assertShows(notice, en.t('cards.action.optOut'));
    assert.deepEqual(verbsOf(notice), ['optOut']);
    const asking = await e2e.click(CUSTOMER, 'optOut', { claimId: approved.id, version: versionOn(notice, 'optOut') });
    const confirm = (invokeCard(asking).actions as { title?: string; data?: Record<string, unknown> }[]).find(
      (action) => action.title === en.t('cards.action.confirmOptOut'),
    );
    assert.ok(confirm?.data, 'the notice asks to confirm');
    assertShows(invokeCard(await e2e.click(CUSTOMER, 'optOut', confirm.data)), en.t('cards.consent.optedOut', { partner: CONTOSO.name }));
    assert.equal((await stored(approved.id)).status, 'Rejected');
    replies = await e2e.say(CUSTOMER, 'opt out');
    assert.equal(textOf(replies[0]), en.t('bot.nothingToOptOut'), 'and then there is nothing left to opt out of');
  });

  it('review, request information, respond, approve, opt out: every invoke, card update and alert asserted', async () => {
    // Each person has written to the bot once, so the bot knows where to reach them.
    for (const person of [REVIEWER, CUSTOMER]) {
      const replies = await e2e.say(person, 'help');
      assert.equal(replies.length, 1);
      assertShows(cardIn(replies[0]), en.t('cards.help.helpTitle'));
    }

    // The partner files the claim by conversation; reviewers hear of it, the partner gets a receipt.
    const journey = await walkCreateClaim(e2e, PARTNER, 'submitted');
    const claimId = journey.claimId;
    let claim = await stored(claimId);
    const submitted = await e2e.waitForAlert(REVIEWER, en.t('cards.alert.claim-submitted.title', { claimId, partner: CONTOSO.name }));
    assertShows(cardIn(submitted.body), en.t('cards.alert.claim-submitted.text', { claimId, partner: CONTOSO.name }));
    await e2e.waitForAlert(PARTNER, en.t('cards.alert.submission-receipt.title', { claimId }));
    assert.equal(e2e.proactive(CUSTOMER).length, 0, 'the customer hears nothing before the approval');

    // Both sides open the claim card; the bot remembers these copies to keep them current.
    let replies = await e2e.say(REVIEWER, `claim ${claimId}`, { replyId: 'reviewer-card' });
    let card = cardIn(replies[0]);
    // Reassign too: the roster has another reviewer to hand the claim to (issue 19).
    assert.deepEqual(verbsOf(card), ['comment', 'reassign', 'startReview']);
    replies = await e2e.say(PARTNER, `claim ${claimId}`, { replyId: 'partner-card' });
    assert.deepEqual(verbsOf(cardIn(replies[0])), ['comment', 'edit', 'withdraw']);

    // 1. Start review.
    let response = await e2e.click(REVIEWER, 'startReview', { claimId, version: claim.version }, { replyToId: 'reviewer-card' });
    card = invokeCard(response);
    assertShows(card, en.t('claims.status.InReview'), en.t('cards.note.done', { status: en.t('claims.status.InReview') }));
    assert.deepEqual(verbsOf(card), ['approve', 'comment', 'reassign', 'reject', 'requestInformation']);
    claim = await stored(claimId);
    assert.equal(claim.status, 'InReview');
    const partnerCard = await cardUpdated(PARTNER, 'partner-card', en.t('claims.status.InReview'));
    assert.deepEqual(verbsOf(partnerCard), ['comment', 'withdraw'], "the partner's copy shows the partner's actions");
    await e2e.waitForAlert(PARTNER, en.t('cards.alert.review-started.title', { claimId }));

    // 2. Request information (multi-select reasons arrive comma-separated).
    const comment = 'Which products, and since when?';
    response = await e2e.click(
      REVIEWER,
      'requestInformation',
      { claimId, version: claim.version, infoReasons: 'missing-products,missing-or-old-dates', infoComment: comment },
      { replyToId: 'reviewer-card' },
    );
    card = invokeCard(response);
    assertShows(card, en.t('claims.status.PartnerActionRequired'), comment);
    claim = await stored(claimId);
    assert.equal(claim.status, 'PartnerActionRequired');
    assert.deepEqual(claim.informationRequest?.reasons, ['missing-products', 'missing-or-old-dates']);
    const asked = await cardUpdated(PARTNER, 'partner-card', en.t('claims.status.PartnerActionRequired'));
    assert.ok(verbsOf(asked).includes('respond'), 'the partner can respond from their copy');
    const request = await e2e.waitForAlert(PARTNER, en.t('cards.alert.information-requested.title', { claimId }));
    assertShows(cardIn(request.body), comment, en.formatInstant(claim.deadlines.partnerResponse!, MADRID));

    // 3. The partner responds: the card's Respond starts the dialog in the chat (issue 14, 3),
    // which resubmits.
    await e2e.quiet();
    const updatesBefore = e2e.connector.updates().length;
    const sentBefore = e2e.connector.sent().length;
    response = await e2e.click(PARTNER, 'respond', { claimId, version: claim.version }, { replyToId: 'partner-card' });
    assertShows(invokeCard(response), en.t('claims.status.PartnerActionRequired'));
    assert.equal((await stored(claimId)).version, claim.version, 'Respond alone changes nothing');
    assert.equal(e2e.connector.updates().length, updatesBefore, 'and updates no card');
    replies = e2e.connector
      .sent()
      .slice(sentBefore)
      .map((request) => request.body as Reply);
    assert.equal(replies.length, 1, 'the dialog asks in the chat');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.respond.title', { claimId }));
    assertShows(cardIn(replies[0]), comment, en.t('claims.informationReason.missing-products'));
    replies = await e2e.say(PARTNER, fileMessage('products.pdf', e2e.files.put('products.pdf', PDF)));
    assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.poe.received', { name: 'products.pdf', size: '0.1 kB' })));
    const collect = await e2e.say(PARTNER, 'Teams and Exchange, in use since March.');
    assert.equal(textOf(collect[0]), en.t('dialogs.respond.commentNoted'));
    replies = await e2e.say(PARTNER, 'resubmit');
    claim = await stored(claimId);
    assert.equal(claim.status, 'InReview');
    assert.equal(claim.poe.length, 2);
    assert.equal(textOf(replies[0]), en.t('dialogs.respond.done', { claimId, due: en.formatInstant(claim.deadlines.reviewDecision!, MADRID) }));
    assert.ok(claim.comments.some((entry) => entry.text === 'Teams and Exchange, in use since March.'));
    await e2e.waitForAlert(REVIEWER, en.t('cards.alert.claim-resubmitted.title', { claimId }));
    // The resubmission came from the chat: the reviewer's card, clicked before, is updated now.
    await cardUpdated(REVIEWER, 'reviewer-card', 'Teams and Exchange, in use since March.');

    // Teams refreshes the reviewer's card when they look at it: an automatic refresh only answers.
    await e2e.quiet();
    const before = { sent: e2e.connector.sent().length, updates: e2e.connector.updates().length };
    response = await e2e.click(REVIEWER, 'refreshClaim', { claimId, version: claim.version - 2 }, { replyToId: 'reviewer-card', trigger: 'automatic' });
    card = invokeCard(response);
    assertShows(card, en.t('claims.status.InReview'), 'Teams and Exchange, in use since March.');
    assert.equal(versionOn(card, 'approve'), claim.version);
    await e2e.quiet();
    assert.deepEqual({ sent: e2e.connector.sent().length, updates: e2e.connector.updates().length }, before, 'a refresh never sends or updates');

    // 4. Approve. The customer's consent notice is delivered to their chat (named to click on it).
    e2e.nameNextAlert(CUSTOMER, 'consent-card');
    response = await e2e.click(REVIEWER, 'approve', { claimId, version: versionOn(card, 'approve'), approveComment: '' }, { replyToId: 'reviewer-card' });
    card = invokeCard(response);
    claim = await stored(claimId);
    assert.equal(claim.status, 'Approved');
    assert.equal(claim.consentPhase, 'window-open');
    const approvedText = en.t('cards.common.statusWithPhase', { status: en.t('claims.status.Approved'), phase: en.t('claims.consentPhase.window-open') });
    assertShows(card, approvedText);
    assert.deepEqual(verbsOf(card), ['comment'], 'no decision left to take');
    await cardUpdated(PARTNER, 'partner-card', approvedText);
    await e2e.waitForAlert(PARTNER, en.t('cards.alert.approved.title', { claimId }));

    const notice = await e2e.waitForAlert(CUSTOMER, en.t('cards.consent.title', { partner: CONTOSO.name }));
    const noticeCard = cardIn(notice.body);
    assertShows(
      noticeCard,
      CUSTOMER_DOMAIN,
      en.t('cards.consent.noAction'),
      en.t('cards.consent.until', { deadline: en.formatInstant(claim.deadlines.consentWindow!, 'UTC') }),
    );
    assert.deepEqual(verbsOf(noticeCard), ['optOut']);

    // Nobody but a user of the customer tenant may opt out: the claim's own partner and the reviewer
    // lack the role.
    for (const person of [PARTNER, REVIEWER]) {
      response = await e2e.click(person, 'optOut', { claimId, version: claim.version, confirmed: true });
      assert.deepEqual(invokeError(response, 403), { code: 'not-allowed', message: en.t('errors.not-allowed') }, person.aadObjectId);
    }
    // A stranger learns nothing: to them the claim does not exist (issue 16).
    response = await e2e.click(OTHER_CUSTOMER, 'optOut', { claimId, version: claim.version, confirmed: true });
    assert.deepEqual(invokeError(response, 400), { code: 'not-found', message: en.t('errors.not-found', { claimId }) });
    assert.equal((await stored(claimId)).status, 'Approved');

    // 5. The customer opts out in two steps: the first click only asks.
    await e2e.quiet();
    const updatesBeforeOptOut = e2e.updatesOf(CUSTOMER, 'consent-card').length;
    response = await e2e.click(CUSTOMER, 'optOut', { claimId, version: versionOn(noticeCard, 'optOut') }, { replyToId: 'consent-card' });
    card = invokeCard(response);
    assertShows(card, en.t('cards.consent.confirmQuestion', { partner: CONTOSO.name }), en.t('cards.action.confirmOptOut'));
    assert.equal((await stored(claimId)).status, 'Approved', 'the first click changes nothing');
    assert.equal(e2e.updatesOf(CUSTOMER, 'consent-card').length, updatesBeforeOptOut);

    const confirm = (card.actions as { verb?: string; title?: string; data?: Record<string, unknown> }[]).find(
      (action) => action.title === en.t('cards.action.confirmOptOut'),
    );
    assert.ok(confirm?.data, 'the confirmation card has a confirm button');
    response = await e2e.click(CUSTOMER, 'optOut', confirm.data, { replyToId: 'consent-card' });
    card = invokeCard(response);
    assertShows(card, en.t('cards.note.optedOut'), en.t('cards.consent.optedOut', { partner: CONTOSO.name }));
    assert.deepEqual(verbsOf(card), [], 'afterwards the notice is read-only');
    claim = await stored(claimId);
    assert.equal(claim.status, 'Rejected');
    assert.equal(claim.rejection?.reason, 'customer-declined');
    assert.equal(claim.rejection?.final, true);
    await cardUpdated(REVIEWER, 'reviewer-card', en.t('claims.status.Rejected'));
    await e2e.waitForAlert(PARTNER, en.t('cards.alert.customer-opted-out.title', { claimId }));

    // A second confirm click (a double click) changes nothing and gets the read-only notice.
    response = await e2e.click(CUSTOMER, 'optOut', confirm.data, { replyToId: 'consent-card' });
    assertShows(invokeCard(response), en.t('cards.consent.optedOut', { partner: CONTOSO.name }));
    assert.equal((await stored(claimId)).version, claim.version);

    // Every alert went out exactly once; nothing is left in the outbox.
    await eventually(async () => {
      const health = (await (await fetch(`${e2e.app.url}/healthz/details`)).json()) as { outbox: { pending: number; deadLetters: number } };
      return health.outbox.pending === 0 && health.outbox.deadLetters === 0;
    }, 'the outbox drained');
    const titles = (person: typeof PARTNER, key: string) =>
      e2e.proactive(person).filter((post) => JSON.stringify(post.body).includes(en.t(key, { claimId, partner: CONTOSO.name }))).length;
    assert.equal(titles(PARTNER, 'cards.alert.review-started.title'), 1);
    assert.equal(titles(PARTNER, 'cards.alert.information-requested.title'), 1);
    assert.equal(titles(PARTNER, 'cards.alert.approved.title'), 1);
    assert.equal(titles(PARTNER, 'cards.alert.customer-opted-out.title'), 1);
    assert.equal(titles(REVIEWER, 'cards.alert.claim-submitted.title'), 1);
    assert.equal(titles(REVIEWER, 'cards.alert.claim-resubmitted.title'), 1);
    assert.deepEqual(
      e2e.logs.filter((line) => /turn failed|card action failed|delivery of alert/.test(line)),
      [],
    );

    // The cards people clicked were answered by the invoke responses and never rewritten: the
    // customer has one "You opted out" card, not two.
    await e2e.quiet();
    const reviewerClicksAnswered = e2e
      .updatesOf(REVIEWER, 'reviewer-card')
      .filter((update) => JSON.stringify(update.body).includes(en.t('cards.note.done', { status: en.t('claims.status.InReview') })));
    assert.deepEqual(reviewerClicksAnswered, [], "the reviewer's own clicks never came back as updates");
    assert.deepEqual(e2e.updatesOf(CUSTOMER, 'consent-card'), [], "the clicked consent notice is the invoke's to change");
  });
});
