import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { actionTitled, cardJson, cardTitle, submit, textOf } from '../dialogs/support/dialogHarness.js';
import { actorOf, assertDoesNotShow, assertShows, cardIn, CUSTOMER, PARTNER, PARTNER_ES, REVIEWER, e2ePerTest, type E2E } from './support/e2eApp.js';
import { CONTACTS, first, walkCreateClaim } from './support/journey.js';

// Issue 14, the dialog items driven through the real server, in English and Spanish.

describe('e2e: dialog fixes of issue 14', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await apps.start();
  });

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`5: the summary names the claim to edit later, and no reply shows a placeholder (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const journey = await walkCreateClaim(e2e, person, 'summary');
      const summary = cardJson(journey.asked[0]);
      assert.ok(summary.includes(JSON.stringify(t.t('dialogs.summary.hint', { claimId: journey.claimId })).slice(1, -1)));
      assert.ok(summary.includes(journey.claimId));
      // A complete draft: Submit is the primary button.
      assert.equal((actionTitled(journey.asked[0], t.t('dialogs.summary.submitButton')) as { style?: string }).style, 'positive');
      for (const request of e2e.connector.sent()) {
        assert.ok(!/\{[a-zA-Z]+\}/.test(JSON.stringify(request.body)), `no placeholder left in ${JSON.stringify(request.body).slice(0, 300)}`);
      }
    });
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`4: history in people's words: names with role, each change with its values, the rejection reason (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      const reviewer = { ...actorOf(REVIEWER), displayName: 'Rita Reviewer' };
      let claim = await e2e.app.claims.get(reviewer, claimId);
      claim = await e2e.app.claims.update(actorOf(person), claimId, claim.version, { workloads: ['Teams'] });
      claim = await e2e.app.claims.startReview(reviewer, claimId, claim.version);
      await e2e.app.claims.reject(reviewer, claimId, claim.version, { reason: 'insufficient-poe', comment: 'The file is unsigned.' });

      const [reply] = await e2e.say(person, `${first(t, 'commands.aliases.history')} ${claimId}`);
      const card = cardIn(reply);
      assertShows(
        card,
        t.t('cards.history.fieldChange', { field: capitalised(t.t('fields.workloads')), from: t.formatList(['Teams', 'Exchange']), to: 'Teams' }),
        t.t('cards.history.statusChange', { from: t.t('claims.status.InReview'), to: t.t('claims.status.Rejected') }),
        t.t('cards.history.reasons', { reasons: t.t('claims.rejectionReason.insufficient-poe') }),
      );
      const json = JSON.stringify(card);
      assert.ok(json.includes(person.name!), 'the partner by name');
      assert.ok(json.includes('Rita Reviewer'), 'the reviewer by name');
      assert.ok(json.includes(t.t('cards.role.reviewer')), 'with the role');
      assertDoesNotShow(card, person.aadObjectId, REVIEWER.aadObjectId, `${t.t('cards.history.field.rejection')}:`, '→ OSU-M365');
    });
  }

  // Disputing and withdrawing are for admins: Pat, with an English and a Spanish client.
  for (const person of [PARTNER, { ...PARTNER, locale: 'es-ES' }]) {
    it(`7: commands naming a claim leave the dispute dialog's justification; a final rejection is refused up front (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const word = (verb: string) => first(t, `commands.aliases.${verb}`);
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      const reviewer = actorOf(REVIEWER);
      let claim = await e2e.app.claims.get(reviewer, claimId);
      claim = await e2e.app.claims.startReview(reviewer, claimId, claim.version);
      await e2e.app.claims.reject(reviewer, claimId, claim.version, { reason: 'insufficient-poe', comment: 'Unsigned.' });

      let replies = await e2e.say(person, `${word('dispute')} ${claimId}`);
      assert.equal(cardTitle(replies[0]), t.t('dialogs.dispute.title', { claimId }));
      // Not a justification: the history command is routed, and the dispute keeps nothing typed.
      replies = await e2e.say(person, `${word('history')} ${claimId}`);
      assert.equal(cardTitle(replies[0]), t.t('cards.history.title', { claimId }));
      replies = await e2e.say(person, `${word('dispute')} ${claimId}`);
      replies = await e2e.say(person, `${word('edit')} ${claimId}`);
      assert.notEqual(replies.map((reply) => reply.text ?? '').join(' '), t.t('dialogs.dispute.justificationNoted'));
      assert.equal((await e2e.app.claims.get(reviewer, claimId)).status, 'Rejected', 'nothing was disputed');

      // Disputed once and upheld, the rejection is final: the dispute dialog does not open, and
      // the reply says why.
      await e2e.say(person, first(t, 'commands.aliases.cancel'));
      const admin = actorOf(PARTNER);
      claim = await e2e.app.claims.get(admin, claimId);
      claim = await e2e.app.claims.dispute(admin, claimId, claim.version, { justification: 'Signed on page 3.' });
      await e2e.app.claims.decideDispute(reviewer, claimId, claim.version, { outcome: 'uphold' });
      replies = await e2e.say(person, `${word('dispute')} ${claimId}`);
      assert.equal(replies.length, 1);
      assert.throws(() => cardTitle(replies[0]), /expected a card/, 'no dispute card');
      assert.equal(textOf(replies[0]), t.t('errors.dispute-used'));
    });
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`6: a refused form keeps what was typed (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const journey = await walkCreateClaim(e2e, person, 'customer');
      let replies = await e2e.say(
        person,
        submit(actionTitled(journey.asked[0], t.t('dialogs.common.continueButton')), {
          customerDomain: 'fabrikam.onmicrosoft.com',
          customerTenantId: 'not-a-guid',
        }),
      );
      let form = replies.find((reply) => reply.attachments?.length);
      assert.ok(form, 'the form is asked again');
      assert.ok(cardJson(form).includes('"value":"fabrikam.onmicrosoft.com"'), 'the domain is kept');
      assert.ok(cardJson(form).includes('"value":"not-a-guid"'), 'and the refused tenant id, to correct it');

      const contacts = await walkCreateClaim(e2e, person, 'contacts');
      replies = await e2e.say(
        person,
        submit(actionTitled(contacts.asked[0], t.t('dialogs.common.continueButton')), { ...CONTACTS, customerEmail: 'dana-at-fabrikam' }),
      );
      form = replies.find((reply) => reply.attachments?.length);
      assert.ok(form, 'the contacts form is asked again');
      for (const value of [CONTACTS.customerName, CONTACTS.customerTitle, 'dana-at-fabrikam', CONTACTS.partnerName, CONTACTS.partnerEmail]) {
        assert.ok(cardJson(form).includes(`"value":"${value}"`), `${value} is kept`);
      }
      assert.ok(
        replies.some((reply) => (reply.text ?? '').includes('dana-at-fabrikam')),
        'the bad address is named',
      );
    });
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`10: "I didn't understand" before help; "status <id>" shows the claim (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      let replies = await e2e.say(person, 'exchnage please');
      assert.equal(replies.length, 2);
      assert.equal(textOf(replies[0]), t.t('bot.notUnderstood', { text: 'exchnage please' }));
      assert.equal(cardTitle(replies[1]), t.t('cards.help.helpTitle'));
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      const status = t.t('commands.aliases.claim').split('|').at(-1)!;
      replies = await e2e.say(person, `${status} ${claimId}`);
      assert.equal(cardTitle(replies[0]), t.t('cards.claim.title', { claimId }));
    });
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`8: a draft can be discarded from the summary (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const journey = await walkCreateClaim(e2e, person, 'summary');
      const replies = await e2e.say(person, submit(actionTitled(journey.asked[0], t.t('dialogs.summary.discardButton'))));
      assert.equal(textOf(replies[0]), t.t('dialogs.summary.discarded', { claimId: journey.claimId }));
      await assert.rejects(e2e.app.claims.get(actorOf(REVIEWER), journey.claimId), /not-found|wrong-tenant/);
    });
  }

  it('9: role-specific help: admins see grant/revoke/roles; nobody with a role sees the customer section (en, es)', async () => {
    for (const [person, admin] of [
      [PARTNER, true],
      [{ ...PARTNER, locale: 'es-ES' }, true],
      [PARTNER_ES, false],
      [REVIEWER, false],
    ] as const) {
      const t = translatorFor(person.locale);
      const [reply] = await e2e.say(person, first(t, 'commands.aliases.help'));
      const card = cardIn(reply);
      assertDoesNotShow(card, t.t('cards.help.customerHeading'));
      if (admin) assertShows(card, t.t('cards.help.adminHeading'), t.t('cards.help.command.grant'), t.t('cards.help.command.roles'));
      else assertDoesNotShow(card, t.t('cards.help.adminHeading'));
    }
    // A customer's help is their section, with the command that finds their notices.
    const customerEs = { ...CUSTOMER, locale: 'es-ES' };
    const es = translatorFor('es-ES');
    const card = cardIn((await e2e.say(customerEs, first(es, 'commands.aliases.help')))[0]);
    assertShows(card, es.t('cards.help.customerHeading'), es.t('cards.help.command.opt-out'));
  });

  for (const [person, question, about] of [
    [PARTNER, 'what is the status of my claim?', 'is there news on {id}?'],
    [PARTNER_ES, '¿Cuál es el estado de mi notificación?', '¿qué pasa con {id}?'],
  ] as const) {
    it(`10: questions are answered with the list or the claim (${person.locale})`, async () => {
      const t = translatorFor(person.locale);
      const { claimId } = await walkCreateClaim(e2e, person, 'submitted');
      let replies = await e2e.say(person, question);
      assert.equal(replies.length, 1);
      assert.equal(cardTitle(replies[0]), t.t('cards.list.title'));
      replies = await e2e.say(person, about.replace('{id}', claimId));
      assert.equal(cardTitle(replies[0]), t.t('cards.claim.title', { claimId }));
    });
  }

  for (const person of [PARTNER, PARTNER_ES]) {
    it(`9: the partner contact starts as the signed-in person, name and email (${person.locale})`, async () => {
      const email = `${person.aadObjectId}@contoso.example`;
      // Teams tells the bot the member's email.
      e2e.connector.script(
        { method: 'GET', path: new RegExp(`/members/29%3A${person.aadObjectId}$`) },
        { status: 200, body: { id: `29:${person.aadObjectId}`, aadObjectId: person.aadObjectId, email } },
        10,
      );
      const journey = await walkCreateClaim(e2e, person, 'contacts');
      const card = cardJson(journey.asked[0]);
      assert.ok(card.includes(`"id":"partnerName","label":`) && card.includes(`"value":"${person.name!}"`), 'the name');
      assert.match(card, new RegExp(`"id":"partnerEmail"[^}]*"value":"${email.replace(/\./g, '\\.')}"`), 'the email');
    });
  }
});

const capitalised = (text: string): string => text.charAt(0).toLocaleUpperCase() + text.slice(1);
