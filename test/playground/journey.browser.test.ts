import { programShortName } from '../../services/catalogue.js';
import assert from 'node:assert/strict';
import { requireChromium } from '../support/chromium.js';
import { translatorFor, type Translator } from '../../cards/i18n/i18n.js';
import { DEMO_CUSTOMER, DEMO_ORGANISATION, DEMO_PEOPLE, DEMO_ROLES, poeActivity, SAMPLE_POE_NAME } from '../../scripts/start.js';
import { inputsLabelled, STEP_TIMEOUT_MS } from './playgroundTab.js';
import { assertClean, CLAIM_ID, waitForStatus, withRun, type Run } from './playgroundRun.js';

// The whole journey in the Microsoft 365 Agents Playground, in headless Chromium (Debian's
// `chromium`, driven by playwright-core), on the demo `npm start` runs (scripts/start.ts): the bot
// on a temporary DATA_DIR and one playground per person. Ana (partner admin) files a claim through
// the dialog and submits it; Rita (reviewer, another tenant) starts the review and approves it from
// the claim card's buttons and sees the card update; Ana's copy of the card updates; Carlos (the
// customer) receives the consent notice. Then the same in Spanish. Screenshots go to
// test-output/playground/. Any error card, failed activity or browser console error fails it.
// A missing browser fails the test unless SKIP_BROWSER_TESTS=1.

const ERROR_TITLE_LOCALES = ['en', 'es'] as const;

/** The journey, in the language `locale` (the bot's replies and the words typed are in it). */
async function journey(run: Run, t: Translator, locale: 'en-US' | 'es-ES'): Promise<void> {
  const { partner, reviewer, customer } = run.tabs;
  const errorTitles = ERROR_TITLE_LOCALES.map((language) => translatorFor(language).t('cards.error.title'));
  const command = (verb: string) => t.t(`commands.aliases.${verb}`).split('|')[0]!;

  // Everyone opens their chat: the playground installs the app and the bot greets each person
  // (and learns where to reach them).
  for (const role of DEMO_ROLES) {
    await run.tabs[role].open(run.demo.playgrounds[role]!.url);
    await run.tabs[role].waitForCard(t.t('cards.help.welcomeTitle'));
  }
  await partner.screenshot('welcome');

  // The welcome cards' buttons (plain Action.Submit data; issue 14, 1).
  await partner.press(await partner.waitForCard(t.t('cards.help.welcomeTitle')), t.t('cards.help.button.my-claims'));
  await partner.waitForCard(t.t('cards.list.title'));
  await partner.press(await partner.waitForCard(t.t('cards.help.welcomeTitle')), t.t('cards.help.button.help'));
  await partner.waitForCard(t.t('cards.help.helpTitle'));
  await reviewer.press(await reviewer.waitForCard(t.t('cards.help.welcomeTitle')), t.t('cards.help.button.queue'));
  await reviewer.waitForCard(t.t('cards.queue.title'));
  await reviewer.screenshot('queue-empty');

  // Ana files a claim, step by step.
  await partner.say(command('new-claim'));
  let card = await partner.waitForCard(t.t('dialogs.program.title'));
  await partner.screenshot('program');
  await partner.press(card, programShortName('OSU-M365'));

  card = await partner.waitForCard(t.t('dialogs.customer.title'));
  const created = await partner.waitForText(CLAIM_ID);
  const claimId = CLAIM_ID.exec((await created.textContent()) ?? '')?.[0];
  assert.ok(claimId, 'the draft has an id');
  await partner.fill(card, t.t('dialogs.labels.customerDomain'), DEMO_CUSTOMER.domain);
  await partner.fill(card, t.t('dialogs.labels.customerTenantId'), DEMO_CUSTOMER.tenantId);
  await partner.screenshot('customer');
  await partner.press(card, t.t('dialogs.common.continueButton'));

  // The workloads card offers a multi-select; typing the names is the other way it takes.
  await partner.waitForCard(t.t('dialogs.workloads.title'));
  await partner.screenshot('workloads');
  await partner.say('Teams');

  card = await partner.waitForCard(t.t('dialogs.contacts.heading'));
  // Two sections, customer contact then partner contact, with the same field labels.
  const nameInputs = inputsLabelled(card, t.t('dialogs.contacts.name'));
  const emailInputs = inputsLabelled(card, t.t('dialogs.contacts.email'));
  await nameInputs.nth(0).fill('Dana Fabrikam');
  await inputsLabelled(card, t.t('dialogs.contacts.title')).first().fill('IT Director');
  await emailInputs.nth(0).fill('dana@fabrikam.example');
  await nameInputs.nth(1).fill('Ana Partner');
  await emailInputs.nth(1).fill('ana@contoso.example');
  await partner.screenshot('contacts');
  await partner.press(card, t.t('dialogs.common.continueButton'));

  // Proof of execution: Teams would attach the file; the playground sends the same activity.
  await partner.waitForCard(t.t('dialogs.poe.title'));
  await partner.sendCustomActivity(poeActivity(DEMO_PEOPLE.partner, run.demo.playgrounds.partner!, run.demo.poe!.url, locale));
  await partner.waitForText(t.t('dialogs.poe.more'));
  await partner.screenshot('poe');
  // The pre-check reads the file off the request path; its checklist arrives as a card of its own.
  const checklist = await partner.waitForCard(t.t('cards.alert.poe-prechecked.title', { claimId, file: SAMPLE_POE_NAME }), 30_000);
  await checklist
    .getByText(t.t('cards.precheck.fileSummary', { file: SAMPLE_POE_NAME, found: 6, of: 6 }))
    .first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await partner.screenshot('precheck-checklist');
  // The dialog's own card (the checklist names the PoE too): the one with Done.
  const poeQuestion = partner
    .cards()
    .filter({ hasText: t.t('dialogs.poe.title') })
    .filter({ has: partner.page.getByRole('button', { name: t.t('dialogs.poe.doneButton'), exact: true }) });
  await partner.press(poeQuestion.last(), t.t('dialogs.poe.doneButton'));

  card = await partner.waitForCard(t.t('dialogs.summary.title', { claimId }));
  await partner.screenshot('summary');
  await partner.press(card, t.t('dialogs.summary.submitButton'));
  await partner.waitForText(new RegExp(`${claimId}`));

  // Ana sees the claim card.
  await partner.say(`${command('claim')} ${claimId}`);
  const partnerCard = await partner.newestCard(t.t('cards.claim.title', { claimId }));
  await waitForStatus(partnerCard, t.t('claims.status.Submitted'));
  await partner.screenshot('claim-submitted');

  // Ana's receipt alert opens the claim; the claim card's History, and back.
  await partner.press(await partner.waitForCard(t.t('cards.alert.submission-receipt.title', { claimId }), 20_000), t.t('cards.action.open'));
  const opened = await partner.newestCard(t.t('cards.claim.title', { claimId }));
  await partner.press(opened, t.t('cards.action.history'));
  const history = await partner.newestCard(t.t('cards.history.title', { claimId }));
  await partner.screenshot('history');
  await partner.press(history, t.t('cards.action.backToClaim'));
  await partner.newestCard(t.t('cards.claim.title', { claimId }));

  // Rita opens the claim from her alert; the queue (Refresh, and a row) opens it too.
  await reviewer.press(
    await reviewer.waitForCard(t.t('cards.alert.claim-submitted.title', { claimId, partner: DEMO_ORGANISATION.name }), 20_000),
    t.t('cards.action.open'),
  );
  const reviewCard = await reviewer.newestCard(t.t('cards.claim.title', { claimId }));
  // The reviewer's card carries the pre-check's summary with its evidence.
  await reviewCard.getByText(t.t('cards.precheck.heading')).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await reviewCard.getByText('Accepted and signed by the customer', { exact: false }).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await reviewer.screenshot('claim-to-review');

  // The PoE opens from Rita's card: a link to the bot's own signed URL (issue 14, 2). The
  // playground opens links with window.open; the URL it is given is recorded (headless Chromium
  // would download the PDF rather than show it), then fetched as the browser would.
  await reviewer.page.evaluate(`(() => {
    const opened = [];
    window.openedUrls = opened;
    window.open = (url) => {
      if (url !== undefined) opened.push(String(url));
      const handle = { opener: null, close: () => undefined };
      Object.defineProperty(handle, 'location', { set: (value) => opened.push(String(value)) });
      return handle;
    };
  })()`);
  const popup = run.context.waitForEvent('page', { timeout: STEP_TIMEOUT_MS }).catch(() => undefined);
  await reviewCard.getByRole('link', { name: t.t('cards.action.open'), exact: true }).click({ timeout: STEP_TIMEOUT_MS });
  const poeUrl = await Promise.race([
    reviewer.page
      .waitForFunction('window.openedUrls.length > 0', undefined, { timeout: STEP_TIMEOUT_MS })
      .then(async () => (await reviewer.page.evaluate<string[]>('window.openedUrls'))[0]),
    popup.then((page) => page?.url()),
  ]);
  assert.match(new URL(poeUrl!).pathname, /^\/poe\/[\w-]+\.[\w-]+\.[\w-]+$/, `the PoE link points to the bot, with a signed token: ${poeUrl}`);
  const fetched = await run.context.request.get(poeUrl!);
  assert.equal(fetched.status(), 200);
  assert.equal(fetched.headers()['content-type'], 'application/pdf');
  assert.match(fetched.headers()['content-disposition'] ?? '', /^inline; filename=/);
  assert.equal((await fetched.body()).subarray(0, 5).toString(), '%PDF-');

  await reviewer.say(command('queue'));
  const queue = await reviewer.newestCard(t.t('cards.queue.title'));
  await queue.getByText(claimId).first().waitFor({ state: 'visible' });
  await reviewer.screenshot('queue');
  await reviewer.press(queue, t.t('cards.action.refresh'));
  await reviewer.waitForText(t.plural('cards.queue.summaryAll', 1, { total: 1, overdue: 0 }));

  // Rita reviews: Start review, then Approve.
  await reviewer.press(reviewCard, t.t('cards.action.startReview'));
  await waitForStatus(reviewCard, t.t('claims.status.InReview'));
  await reviewer.screenshot('in-review');
  await reviewer.press(reviewCard, t.t('cards.action.approve'));
  await reviewer.screenshot('approve-confirm');
  await reviewer.press(reviewCard, t.t('cards.action.confirmApprove'));
  await waitForStatus(reviewCard, t.t('claims.status.Approved'));
  await reviewer.screenshot('approved');

  // Ana's card is updated in place.
  await waitForStatus(partnerCard, t.t('claims.status.Approved'), 20_000);
  await partner.screenshot('claim-approved');

  // Carlos gets the consent notice.
  const notice = await customer.waitForCard(t.t('cards.consent.title', { partner: DEMO_ORGANISATION.name }), 20_000);
  assert.ok(notice);
  await customer.screenshot('consent-notice');

  await assertClean(run, errorTitles);
}

describe('the journey in the Microsoft 365 Agents Playground (headless Chromium)', function () {
  this.timeout(240_000);

  before(function () {
    requireChromium(this);
  });

  for (const [locale, language] of [
    ['en-US', 'en'],
    ['es-ES', 'es'],
  ] as const) {
    it(`files, reviews and approves a claim, and the customer gets the consent notice (${locale})`, async () => {
      await withRun(locale, locale, async (run) => {
        await journey(run, translatorFor(language), locale);
        if (run.proxy) assert.ok(run.proxy.rewritten() > 0, 'the Spanish run went through the locale proxy');
      });
    });
  }
});
