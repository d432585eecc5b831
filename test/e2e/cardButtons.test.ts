import assert from 'node:assert/strict';
import { translatorFor, type Translator } from '../../cards/i18n/i18n.js';
import type { TeamsUser } from '../support/botClient.js';
import { cardTitle } from '../dialogs/support/dialogHarness.js';
import { actorOf, cardIn, invokeCard, PARTNER, PARTNER_ES, REVIEWER, e2ePerTest, type E2E, type Reply } from './support/e2eApp.js';
import { first, walkCreateClaim } from './support/journey.js';

// Issue 14, item 1: every Action.Submit button is plain data (no Teams `msteams` imBack object,
// which the Agents Playground cannot send), and pressing it as a client does (the data as the
// message's value, no text) gives the reply the button names.

interface SubmitButton {
  title: string;
  data: Record<string, unknown>;
}

/** Every Action.Submit in a card (actions, select actions, fallbacks, show-card bodies). */
function submitButtons(card: unknown): SubmitButton[] {
  const found: SubmitButton[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'Action.Submit') found.push({ title: String(record.title ?? ''), data: (record.data ?? {}) as Record<string, unknown> });
    Object.values(record).forEach(walk);
  };
  walk(card);
  return found;
}

function assertNoImBack(reply: Reply | undefined): void {
  const json = JSON.stringify(reply?.attachments ?? []);
  assert.ok(!/"msteams"/i.test(json), `no msteams object in ${json.slice(0, 200)}`);
}

describe('e2e: card buttons are plain Action.Submit data the bot maps to commands (issue 14, 1)', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await apps.start();
  });

  /** Presses the button titled `title` on `reply`'s card, as a client sends it; returns the replies. */
  async function press(person: TeamsUser, reply: Reply | undefined, title: string): Promise<Reply[]> {
    const button = submitButtons(cardIn(reply)).find((candidate) => candidate.title === title);
    assert.ok(button, `a button "${title}" in ${JSON.stringify(submitButtons(cardIn(reply)).map((b) => b.title))}`);
    assert.deepEqual(Object.keys(button.data), ['command'], `"${title}" carries only the command`);
    const replies = await e2e.say(person, { value: button.data });
    replies.forEach(assertNoImBack);
    return replies;
  }

  async function walkButtons(person: TeamsUser, t: Translator): Promise<void> {
    const error = t.t('cards.error.title');
    const titleOf = (reply: Reply | undefined) => cardTitle(reply);

    // Rita has talked to the bot, so her alerts reach her.
    await e2e.say(REVIEWER, 'help');

    // The help card's buttons.
    let replies = await e2e.say(person, first(t, 'commands.aliases.help'));
    assertNoImBack(replies[0]);
    const help = replies[0];
    replies = await press(person, help, t.t('cards.help.button.my-claims'));
    assert.equal(titleOf(replies[0]), t.t('cards.list.title'));
    replies = await press(person, help, t.t('cards.help.button.new-claim'));
    assert.equal(titleOf(replies[1]), t.t('dialogs.program.title'), 'New claim starts the dialog');
    await e2e.say(person, first(t, 'commands.aliases.cancel'));

    const { claimId } = await walkCreateClaim(e2e, person, 'submitted');

    // The receipt alert's Open.
    const receipt = await e2e.waitForAlert(person, t.t('cards.alert.submission-receipt.title', { claimId }));
    assertNoImBack(receipt.body as Reply);
    replies = await press(person, receipt.body as Reply, t.t('cards.action.open'));
    assert.equal(titleOf(replies[0]), t.t('cards.claim.title', { claimId }));
    const claimCard = replies[0];

    // The claim card's History, and the history card's way back.
    replies = await press(person, claimCard, t.t('cards.action.history'));
    const history = replies[0];
    assert.ok(JSON.stringify(cardIn(history)).includes(claimId));
    replies = await press(person, history, t.t('cards.action.backToClaim'));
    assert.equal(titleOf(replies[0]), t.t('cards.claim.title', { claimId }));

    // The list: a row opens the claim; Refresh lists again; Help helps.
    replies = await e2e.say(person, first(t, 'commands.aliases.my-claims'));
    const list = replies[0];
    assertNoImBack(list);
    replies = await press(person, list, t.t('cards.action.open'));
    assert.equal(titleOf(replies[0]), t.t('cards.claim.title', { claimId }));
    replies = await press(person, list, t.t('cards.action.refresh'));
    assert.equal(titleOf(replies[0]), t.t('cards.list.title'));

    // Rita's alert and queue.
    const en = translatorFor('en');
    const submitted = await e2e.waitForAlert(REVIEWER, en.t('cards.alert.claim-submitted.title', { claimId, partner: 'Contoso Partners' }));
    replies = await press(REVIEWER, submitted.body as Reply, en.t('cards.action.open'));
    assert.equal(titleOf(replies[0]), en.t('cards.claim.title', { claimId }));
    replies = await e2e.say(REVIEWER, 'queue');
    const queue = replies[0];
    assertNoImBack(queue);
    replies = await press(REVIEWER, queue, en.t('cards.action.open'));
    assert.equal(titleOf(replies[0]), en.t('cards.claim.title', { claimId }));

    // Issue 19: a bulk decision from the queue answers with what became of each claim, and its
    // button goes back to the queue.
    const queued = await e2e.app.claims.get(actorOf(REVIEWER), claimId);
    const bulk = await e2e.click(REVIEWER, 'bulkDecide', { bulkAction: 'startReview', bulkClaims: `${claimId}@${queued.version}` });
    const result: Reply = { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: invokeCard(bulk) }] };
    replies = await press(REVIEWER, result, en.t('cards.bulk.backToQueue'));
    assert.equal(titleOf(replies[0]), en.t('cards.queue.title'));
    // The away card opens from its command.
    replies = await e2e.say(REVIEWER, 'away');
    assert.equal(titleOf(replies[0]), en.t('cards.away.title'));

    for (const reply of e2e.connector.sent()) {
      assertNoImBack(reply.body as Reply);
      assert.ok(
        !JSON.stringify((reply.body as Reply | undefined)?.attachments ?? []).includes(`"${error}"`),
        `no error card: ${JSON.stringify(reply.body).slice(0, 300)}`,
      );
    }
  }

  it('English: help, alert, claim, history, list and queue buttons', async () => {
    await walkButtons(PARTNER, translatorFor('en'));
  });

  it('Spanish: the same buttons answer in Spanish', async () => {
    await walkButtons(PARTNER_ES, translatorFor('es'));
  });

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`the claim card's Edit starts the edit dialog in the chat, and the alert's Respond the respond dialog (${person.locale}, issue 14, 3)`, async () => {
      const t = translatorFor(person.locale);
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      const claim = await e2e.app.claims.get({ userId: REVIEWER.aadObjectId, tenantId: REVIEWER.tenantId, roles: ['reviewer'] }, claimId);
      await e2e.quiet();
      const sentBefore = e2e.connector.sent().length;
      const response = await e2e.click(person, 'edit', { claimId, version: claim.version });
      assert.equal(response.statusCode, 200);
      assert.equal(JSON.stringify(response.value).includes(t.t('cards.claim.title', { claimId })), true, 'the clicked card stays');
      let started = e2e.connector
        .sent()
        .slice(sentBefore)
        .map((request) => request.body as Reply);
      assert.equal(cardTitle(started[0]), t.t('dialogs.edit.title', { claimId }));
      await e2e.say(person, first(t, 'commands.aliases.cancel'));

      // Rita asks for information; the partner's alert offers Respond, which starts the dialog.
      await e2e.say(REVIEWER, 'help');
      const reviewer = { userId: REVIEWER.aadObjectId, tenantId: REVIEWER.tenantId, roles: ['reviewer' as const] };
      let current = await e2e.app.claims.startReview(reviewer, claimId, claim.version);
      current = await e2e.app.claims.requestInformation(reviewer, claimId, current.version, { reasons: ['missing-products'], comment: 'Which products?' });
      const alert = await e2e.waitForAlert(person, t.t('cards.alert.information-requested.title', { claimId }));
      started = await press(person, alert.body as Reply, t.t('cards.action.respond'));
      assert.equal(cardTitle(started[0]), t.t('dialogs.respond.title', { claimId }));
      assert.equal(current.status, 'PartnerActionRequired');
    });
  }
});
