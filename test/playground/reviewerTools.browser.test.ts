import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { requireChromium } from '../support/chromium.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Actor } from '../../services/actor.js';
import type { Alert } from '../../services/model.js';
import { DEMO_ORGANISATION, DEMO_ROLES, DEMO_SECOND_REVIEWER } from '../../scripts/start.js';
import { SEARCH_COMMAND_ID } from '../../bot/claimSearch.js';
import { ANA, MEGAN, RITA, seedClaim } from './demoClaims.js';
import { STEP_TIMEOUT_MS, visibleInput, type PlaygroundTab } from './playgroundTab.js';
import { assertClean, waitForStatus, withRun, type Run } from './playgroundRun.js';

// Issue 19's buttons, pressed in the Microsoft 365 Agents Playground (headless Chromium) on the
// demo: the claim card's Reassign (its picker offers the demo's second reviewer, Megan Bowen),
// the review queue's bulk Start review, Approve, Request information and Reject with the bulk
// result's Back to the queue, the away card's Set away and I'm back, and the search message
// extension: a claim searched from the compose box, shared into the chat, and its Show claim.
// Megan has no playground: what she does goes through the claim service, and what the bot sends
// her is checked in the store. Every click goes through the browser; no date is computed here
// (the away card's last day is picked in the date picker's calendar). Screenshots go to
// test-output/playground/reviewer-tools-en-US-*.png and search-extension-en-US-*.png.

const t = translatorFor('en');
const action = (key: string) => t.t(`cards.action.${key}`);
const bulk = (key: string) => t.t(`cards.queue.bulk.${key}`);
const command = (verb: string) => t.t(`commands.aliases.${verb}`).split('|')[0]!;
const status = (name: string) => t.t(`claims.status.${name}`);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Case-sensitive, unlike a string filter: "Claim X" is a claim card's title, "claim X" is in alert texts. */
const exactly = (text: string) => new RegExp(escape(text));
/** The text of `key` up to its `{placeholder}` (a value this test does not compute). */
const upTo = (key: string, placeholder: string, values: Record<string, string> = {}) => t.t(key, { ...values, [placeholder]: '\u0000' }).split('\u0000')[0]!;
const MEGAN_NAME = DEMO_SECOND_REVIEWER.name;
const RITA_NAME = RITA.displayName!;

/** Opens claim `claimId` by typing its command and returns its card. */
function openClaim(tab: PlaygroundTab, claimId: string): Promise<Locator> {
  return tab.nextCard(exactly(t.t('cards.claim.title', { claimId })), () => tab.say(`${command('claim')} ${claimId}`));
}

/** Opens a compact choice set (a Fluent combobox in the playground), checks its options and picks `choice`. */
async function pick(tab: PlaygroundTab, input: Locator, choice: string, expected: { offered: string[]; notOffered: string[] }): Promise<void> {
  await input.click();
  for (const name of expected.offered) await tab.page.getByRole('option', { name, exact: true }).waitFor({ state: 'visible' });
  for (const name of expected.notOffered) assert.equal(await tab.page.getByRole('option', { name, exact: true }).count(), 0, `${name} is not offered`);
  await tab.page.getByRole('option', { name: choice, exact: true }).click();
}

/** Waits (bounded) until every alert of these claims has been delivered or given up. */
async function alertsSettled(run: Run, claimIds: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const documents = await Promise.all(claimIds.map((id) => run.demo.app.repository.get(id)));
    if (documents.every((document) => document?.outbox.every((alert) => alert.state !== 'pending'))) return;
    assert.ok(Date.now() < deadline, 'the alerts of the seeded claims were delivered within 30 s');
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Waits (bounded) for the alert of `kind` about `claimId` addressed to `reviewer` to leave the outbox; returns it. */
async function deliveredTo(run: Run, claimId: string, kind: Alert['kind'], reviewer: Actor): Promise<Alert> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const document = await run.demo.app.repository.get(claimId);
    const alert = document?.outbox.find((entry) => entry.kind === kind && entry.data.reviewerId === reviewer.userId);
    if (alert && alert.state !== 'pending') return alert;
    assert.ok(Date.now() < deadline, `the ${kind} alert of ${claimId} to ${reviewer.displayName} left the outbox within 20 s: ${JSON.stringify(alert)}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Ticks the queue's multi-select rows of `claimIds` (named by the group's label, then the claim id and its status). */
async function select(queue: Locator, claimIds: readonly string[]): Promise<void> {
  for (const claimId of claimIds) await queue.getByRole('checkbox', { name: new RegExp(`${escape(claimId)} · `) }).check();
}

/** The bulk result card's row of `claimId` reads `outcome`. */
async function assertRow(result: Locator, claimId: string, outcome: string | RegExp): Promise<void> {
  // The innermost element holding both is the row (its ancestors hold every row).
  const row = result.locator('div').filter({ hasText: claimId }).filter({ hasText: outcome }).last();
  await row.waitFor({ state: 'visible' });
  // Were the claim's own row to read otherwise, the element found would hold other rows too.
  assert.deepEqual((await row.textContent())?.match(/CPOR-\d{4}-\d{6,}/g), [claimId], `${claimId}'s row reads ${String(outcome)}`);
}

async function reviewerTools(run: Run): Promise<void> {
  const { partner, reviewer } = run.tabs;
  const { claims } = run.demo.app;
  const errorTitles = [t.t('cards.error.title')];
  for (const role of ['partner', 'reviewer'] as const) {
    await run.tabs[role].open(run.demo.playgrounds[role]!.url);
    await run.tabs[role].waitForCard(t.t('cards.help.welcomeTitle'));
  }

  // Claims for each part, one workload each; their alerts (new claims to Rita, review started to
  // Ana) are delivered before anything is pressed, so they do not land between the cards below.
  const handedOver = await seedClaim(claims, 'Exchange', 'InReview');
  const fromMegan = await seedClaim(claims, 'SharePoint', 'InReview', MEGAN);
  const whileAway = await seedClaim(claims, 'Teams', 'InReview', MEGAN);
  const queued = [
    await seedClaim(claims, 'Intune', 'Submitted'),
    await seedClaim(claims, 'Viva', 'Submitted'),
    await seedClaim(claims, 'Defender', 'Submitted'),
    await seedClaim(claims, 'Windows', 'Submitted'),
  ];
  const [toApprove1, toApprove2, toInform, toReject] = queued.map((claim) => claim.id) as [string, string, string, string];
  const withdrawn = await seedClaim(claims, 'Purview', 'Submitted');
  await alertsSettled(run, [handedOver.id, fromMegan.id, whileAway.id, ...queued.map((claim) => claim.id), withdrawn.id]);

  // Reassign: Rita's claim card shows her as its reviewer; the picker offers Megan, not Rita
  // (who has it); Hand over makes Megan its reviewer, and Megan's alert goes out.
  const card = await openClaim(reviewer, handedOver.id);
  await card.getByText(t.t('cards.claim.assignee', { reviewer: RITA_NAME })).waitFor({ state: 'visible' });
  await reviewer.press(card, action('reassign'));
  await pick(reviewer, visibleInput(card, action('reassignTo')), MEGAN_NAME, { offered: [MEGAN_NAME], notOffered: [RITA_NAME] });
  await reviewer.screenshot('reassign-picker');
  await reviewer.press(card, action('confirmReassign'));
  await card.getByText(t.t('cards.note.reassigned', { reviewer: MEGAN_NAME })).waitFor({ state: 'visible' });
  await card.getByText(t.t('cards.claim.assignee', { reviewer: MEGAN_NAME })).waitFor({ state: 'visible' });
  await reviewer.screenshot('reassigned');
  assert.equal((await claims.get(RITA, handedOver.id)).assignedReviewer?.userId, MEGAN.userId, 'Megan has the claim');
  const toMegan = await deliveredTo(run, handedOver.id, 'claim-assigned', MEGAN);
  assert.equal(toMegan.state, 'sent', `Megan's alert reached her chat (${toMegan.lastError ?? ''})`);
  // Kept without its card's snapshot once sent, still naming whom it went to.
  assert.deepEqual(toMegan.data, { reviewerId: MEGAN.userId, reviewerTenantId: MEGAN.tenantId });

  // Megan hands another claim to Rita (from her own Teams): Rita's alert says so; its Open opens
  // the claim, with Rita as its reviewer.
  let latest = await claims.get(MEGAN, fromMegan.id);
  await claims.reassign(MEGAN, fromMegan.id, latest.version, { assignee: RITA });
  const assignedTitle = (claimId: string) => t.t('cards.alert.claim-assigned.title', { claimId, partner: DEMO_ORGANISATION.name });
  const alert = await reviewer.waitForCard(assignedTitle(fromMegan.id), 20_000);
  await alert.getByText(upTo('cards.alert.claim-assigned.text', 'partner', { by: MEGAN_NAME, claimId: fromMegan.id })).waitFor({ state: 'visible' });
  await reviewer.screenshot('assigned-alert');
  const opened = await reviewer.nextCard(exactly(t.t('cards.claim.title', { claimId: fromMegan.id })), () => reviewer.press(alert, action('open')));
  await opened.getByText(t.t('cards.claim.assignee', { reviewer: RITA_NAME })).waitFor({ state: 'visible' });

  // Away: the card says Rita is present; she sets her last day (the day after the earliest the
  // card allows) and Megan to stand in; an assignment then reaches her as a copy marked as such;
  // I'm back ends it.
  const awayTitle = t.t('cards.away.title');
  const away = await reviewer.nextCard(awayTitle, () => reviewer.say(command('away')));
  await away.getByText(t.t('cards.away.present')).waitFor({ state: 'visible' });
  // The date is a Fluent date picker here: its calendar opens on today (the browser's, the clock
  // the demo reads too) and the day after it is picked, so no date is computed by the test.
  await visibleInput(away, t.t('cards.away.until')).click();
  const calendar = reviewer.page.getByRole('dialog', { name: 'Calendar' });
  const days = calendar.getByRole('gridcell');
  const today = (await days.evaluateAll((cells) => cells.map((cell) => cell.getAttribute('aria-selected')))).indexOf('true');
  assert.ok(today >= 0 && today + 1 < (await days.count()), 'the calendar shows today and the day after');
  await days
    .nth(today + 1)
    .getByRole('button')
    .click();
  await calendar.waitFor({ state: 'hidden' });
  await pick(reviewer, visibleInput(away, t.t('cards.away.delegate')), MEGAN_NAME, { offered: [MEGAN_NAME], notOffered: [RITA_NAME] });
  await reviewer.screenshot('away-form');
  await reviewer.press(away, t.t('cards.away.set'));
  await away.getByText(t.t('cards.away.saved')).waitFor({ state: 'visible' });
  await away.getByText(upTo('cards.away.away', 'until')).waitFor({ state: 'visible' });
  await away.getByText(new RegExp(`${escape(MEGAN_NAME)} gets the alerts`)).waitFor({ state: 'visible' });
  await reviewer.screenshot('away-set');

  latest = await claims.get(MEGAN, whileAway.id);
  await claims.reassign(MEGAN, whileAway.id, latest.version, { assignee: RITA });
  const copy = await reviewer.waitForCard(assignedTitle(whileAway.id), 20_000);
  await copy.getByText(upTo('cards.alert.delegation.informed', 'until')).waitFor({ state: 'visible' });
  await copy.getByText(new RegExp(`${escape(MEGAN_NAME)} handles this`)).waitFor({ state: 'visible' });
  await reviewer.screenshot('away-copy');
  const standIn = await deliveredTo(run, whileAway.id, 'claim-assigned', RITA);
  assert.equal(standIn.state, 'sent');

  await reviewer.press(away, t.t('cards.away.clear'));
  await away.getByText(t.t('cards.away.cleared')).waitFor({ state: 'visible' });
  await away.getByText(t.t('cards.away.present')).waitFor({ state: 'visible' });
  await reviewer.screenshot('away-back');

  // The queue's bulk decisions. Start review on five claims: each is under review.
  const queueMarker = bulk('select');
  let queue = await reviewer.nextCard(queueMarker, () => reviewer.say(command('queue')));
  await select(queue, [...queued.map((claim) => claim.id), withdrawn.id]);
  await reviewer.screenshot('queue-selected');
  const resultTitle = (key: string) => t.t('cards.bulk.title', { action: bulk(key) });
  let result = await reviewer.nextCard(resultTitle('startReview'), () => reviewer.press(queue, bulk('startReview')));
  await result.getByText(t.t('cards.bulk.summary', { done: 5, total: 5 })).waitFor({ state: 'visible' });
  for (const claimId of [toApprove1, toApprove2, toInform, toReject, withdrawn.id]) await assertRow(result, claimId, status('InReview'));
  await reviewer.screenshot('bulk-started');

  // Back to the queue, then Approve two and one that Ana withdraws meanwhile: two approved, the
  // third refused with the reason, the others untouched.
  queue = await reviewer.nextCard(queueMarker, () => reviewer.press(result, t.t('cards.bulk.backToQueue')));
  await select(queue, [toApprove1, toApprove2, withdrawn.id]);
  latest = await claims.get(ANA, withdrawn.id);
  await claims.withdraw(ANA, withdrawn.id, latest.version);
  result = await reviewer.nextCard(resultTitle('approve'), () => reviewer.press(queue, bulk('approve')));
  await result.getByText(t.t('cards.bulk.summary', { done: 2, total: 3 })).waitFor({ state: 'visible' });
  await assertRow(result, toApprove1, exactly(status('Approved')));
  await assertRow(result, toApprove2, exactly(status('Approved')));
  await assertRow(result, withdrawn.id, t.t('cards.bulk.refused'));
  await result.getByText(t.t('cards.bulk.stale')).waitFor({ state: 'visible' });
  await reviewer.screenshot('bulk-approved');
  for (const claimId of [toApprove1, toApprove2]) assert.equal((await claims.get(RITA, claimId)).status, 'Approved');
  assert.equal((await claims.get(RITA, withdrawn.id)).status, 'Rejected', 'the withdrawn claim stays withdrawn');

  // Request information on one: reasons and comment shared by the selection, then Send.
  queue = await reviewer.nextCard(queueMarker, () => reviewer.press(result, t.t('cards.bulk.backToQueue')));
  await select(queue, [toInform]);
  await reviewer.press(queue, bulk('requestInformation'));
  await queue.getByRole('checkbox', { name: t.t('claims.informationReason.missing-customer-acknowledgement') }).check();
  await visibleInput(queue, bulk('commentToPartner')).fill('Please attach the signed acknowledgement.');
  await reviewer.screenshot('bulk-request-information');
  result = await reviewer.nextCard(resultTitle('requestInformation'), () => reviewer.press(queue, bulk('send')));
  await assertRow(result, toInform, status('PartnerActionRequired'));
  assert.equal((await claims.get(RITA, toInform)).status, 'PartnerActionRequired');

  // Reject the last: one reason and comment, Reject selected claims.
  queue = await reviewer.nextCard(queueMarker, () => reviewer.press(result, t.t('cards.bulk.backToQueue')));
  await select(queue, [toReject]);
  await reviewer.press(queue, bulk('reject'));
  await pick(reviewer, visibleInput(queue, bulk('reason')), t.t('claims.rejectionReason.insufficient-poe'), { offered: [], notOffered: [] });
  await visibleInput(queue, bulk('commentToPartner')).fill('The PoE does not show the customer acknowledgement.');
  await reviewer.screenshot('bulk-reject');
  result = await reviewer.nextCard(resultTitle('reject'), () => reviewer.press(queue, bulk('confirmReject')));
  await assertRow(result, toReject, status('Rejected'));
  await reviewer.screenshot('bulk-rejected');
  assert.equal((await claims.get(RITA, toReject)).status, 'Rejected');

  // Ana's chat shows what the bulk decisions did to her claims, claim by claim.
  await partner.waitForCard(t.t('cards.alert.information-requested.title', { claimId: toInform }), 20_000);
  await partner.waitForCard(t.t('cards.alert.rejected.title', { claimId: toReject }), 20_000);
  await partner.screenshot('alerts');

  await assertClean(run, errorTitles);
}

async function searchAndShare(run: Run): Promise<void> {
  const { partner } = run.tabs;
  const { claims } = run.demo.app;
  const errorTitles = [t.t('cards.error.title')];
  for (const role of DEMO_ROLES) {
    await run.tabs[role].open(run.demo.playgrounds[role]!.url);
    await run.tabs[role].waitForCard(t.t('cards.help.welcomeTitle'));
  }
  const shared = await seedClaim(claims, 'Exchange', 'Submitted');
  await alertsSettled(run, [shared.id]);

  // Ana searches her claims from the compose box (the playground's search command, told the
  // manifest's command id and parameter), by the customer's domain.
  const flyout = await partner.searchMessageExtension(SEARCH_COMMAND_ID, 'query', 'fabrikam');
  const result = flyout.getByRole('heading', { name: `${shared.id} · ${DEMO_ORGANISATION.name}` });
  await result.waitFor({ state: 'visible' });
  await flyout.getByText(`${status('Submitted')} · fabrikam.onmicrosoft.com`).waitFor({ state: 'visible' });
  await partner.screenshot('search-results');

  // Picking it puts the shared card in the compose box; Send posts it into the chat.
  await result.click();
  const composed = partner.composeBox().getByRole('button', { name: t.t('cards.shared.show'), exact: true });
  await composed.waitFor({ state: 'visible' });
  await partner.screenshot('composed');
  // The compose box's card is a card on the page too: the posted one is the one left after Send.
  const sharedTitle = t.t('cards.shared.title', { claimId: shared.id });
  await partner.sendComposed();
  await composed.waitFor({ state: 'hidden' });
  const posted = await partner.pin(await partner.waitForCard(sharedTitle));
  await posted.getByText(t.t('cards.shared.text')).waitFor({ state: 'visible' });
  // The bot reads the posted card as no command: the next thing it says answers "my claims".
  const helpCards = await partner
    .cards()
    .filter({ hasText: t.t('cards.help.helpTitle') })
    .count();
  await partner.nextCard(t.t('cards.list.title'), () => partner.say(command('my-claims')));
  assert.equal(
    await partner
      .cards()
      .filter({ hasText: t.t('cards.help.helpTitle') })
      .count(),
    helpCards,
    'no help card for the shared card',
  );
  assert.equal(await partner.conversation().getByText(upTo('bot.notUnderstood', 'text')).count(), 0, 'no "I didn\u2019t understand"');
  await partner.screenshot('shared');

  // Show claim turns the shared card into Ana's own view of the claim, in place.
  await posted.scrollIntoViewIfNeeded();
  await partner.press(posted, t.t('cards.shared.show'));
  await posted.getByText(exactly(t.t('cards.claim.title', { claimId: shared.id }))).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await waitForStatus(posted, status('Submitted'));
  await posted.getByRole('button', { name: action('withdraw'), exact: true }).waitFor({ state: 'visible' });
  await partner.screenshot('show-claim');

  await assertClean(run, errorTitles);
}

describe('reviewer tools and the search extension in the Microsoft 365 Agents Playground (headless Chromium)', function () {
  this.timeout(480_000);

  before(function () {
    requireChromium(this);
  });

  it("Reassign, the away card's Set away and I'm back, and the queue's bulk decisions with the result's Back to the queue (en-US)", async () => {
    // Its claims are seeded with PoE records but no files: the journey shows the pre-check.
    await withRun('en-US', 'reviewer-tools-en-US', reviewerTools, { POE_PRECHECK: 'off' });
  });

  it('a claim searched from the compose box is shared into the chat, and its Show claim shows it (en-US)', async () => {
    await withRun('en-US', 'search-extension-en-US', searchAndShare, { POE_PRECHECK: 'off' });
  });
});
