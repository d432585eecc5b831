import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { requireChromium } from '../support/chromium.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { programShortName } from '../../services/catalogue.js';
import { DEMO_ORGANISATION, DEMO_ROLES } from '../../scripts/start.js';
import { ANA, RITA, seedClaim } from './demoClaims.js';
import { visibleInput, type PlaygroundTab } from './playgroundTab.js';
import { assertClean, waitForStatus, withRun, type Run } from './playgroundRun.js';

// Every button of every card the three people get, pressed in the Microsoft 365 Agents
// Playground (headless Chromium) on the demo, beyond those the journey already presses: the
// welcome card's New claim, a row of My claims (and its Refresh, Help and New claim) and of the review queue, a draft's Edit and Submit
// (and its summary's Save as draft, Discard draft and Back; every field button of the edit menu),
// the reviewer's Request information and Reject forms, the partner's Comment, Respond (card and
// alert), Resubmit, Dispute and Withdraw, the reviewer's Decide dispute (Uphold and Overturn),
// Comment and History (and its Back to the claim), and the customer's Opt
// out with its Keep and its confirmation. The claims are
// put where each button shows through the claim service, as Ana and Rita would; every click goes
// through the browser. Screenshots go to test-output/playground/buttons-en-US-*.png.

const t = translatorFor('en');
const action = (key: string) => t.t(`cards.action.${key}`);
const command = (verb: string) => t.t(`commands.aliases.${verb}`).split('|')[0]!;
/** The text of `key` up to its `{due}` (a date this test does not compute). */
const upToDue = (key: string, claimId: string) => t.t(key, { claimId, due: '\u0000' }).split('\u0000')[0]!;

/** Does `act` and returns the card holding `text` that it brings (one more than there were). */
function nextCard(tab: PlaygroundTab, text: string | RegExp, act: () => Promise<void>): Promise<Locator> {
  return tab.nextCard(text, act);
}

/** Opens claim `claimId` by typing its command and returns its card. */
async function openClaim(tab: PlaygroundTab, claimId: string): Promise<Locator> {
  const title = t.t('cards.claim.title', { claimId });
  return nextCard(tab, title, () => tab.say(`${command('claim')} ${claimId}`));
}

async function everyButton(run: Run): Promise<void> {
  const { partner, reviewer, customer } = run.tabs;
  const { claims } = run.demo.app;
  const errorTitles = [t.t('cards.error.title')];

  for (const role of DEMO_ROLES) {
    await run.tabs[role].open(run.demo.playgrounds[role]!.url);
    await run.tabs[role].waitForCard(t.t('cards.help.welcomeTitle'));
  }

  // The welcome card's New claim starts the create dialog; cancelling ends it.
  await partner.press(await partner.waitForCard(t.t('cards.help.welcomeTitle')), t.t('cards.help.button.new-claim'));
  await partner.waitForCard(t.t('dialogs.program.title'));
  await partner.screenshot('new-claim');
  await partner.say(command('cancel'));
  await partner.waitForText(t.t('bot.cancelled'));

  // Claims where each button shows, one workload each.
  const draft = await seedClaim(claims, 'Exchange', 'Draft');
  const toDiscard = await seedClaim(claims, 'Purview', 'Draft');
  const toInform = await seedClaim(claims, 'SharePoint', 'Submitted');
  const toReject = await seedClaim(claims, 'Intune', 'InReview');
  const toWithdraw = await seedClaim(claims, 'Viva', 'Submitted');
  const toResubmit = await seedClaim(claims, 'Teams', 'PartnerActionRequired');
  const approved = await seedClaim(claims, 'Defender', 'Approved');
  const toEdit = await seedClaim(claims, 'Windows', 'Draft');
  let toOverturn = await seedClaim(claims, 'Entra ID P1', 'InReview');
  toOverturn = await claims.reject(RITA, toOverturn.id, toOverturn.version, { reason: 'insufficient-poe', comment: 'No acknowledgement.' });
  toOverturn = await claims.dispute(ANA, toOverturn.id, toOverturn.version, { justification: 'It is on page 3.' });

  // Ana: a row of My claims opens the draft; Edit starts the edit dialog in the chat; Submit submits.
  // The list's own buttons: Refresh brings it again, Help the help card.
  let list = await nextCard(partner, t.t('cards.list.title'), () => partner.say(command('my-claims')));
  await list.getByText(draft.id, { exact: true }).waitFor({ state: 'visible' });
  await partner.screenshot('my-claims');
  await nextCard(partner, t.t('cards.help.helpTitle'), () => partner.press(list, action('help')));
  list = await nextCard(partner, t.t('cards.list.title'), () => partner.press(list, action('refresh')));
  // The list's New claim starts the create dialog too.
  await nextCard(partner, t.t('dialogs.program.title'), () => partner.press(list, action('newClaim')));
  await partner.say(command('cancel'));
  await partner.waitForText(t.t('bot.cancelled'));
  await list.getByText(draft.id, { exact: true }).click();
  const draftCard = await partner.newestCard(t.t('cards.claim.title', { claimId: draft.id }));
  await waitForStatus(draftCard, t.t('claims.status.Draft'));
  await partner.screenshot('draft');
  await partner.press(draftCard, action('edit'));
  const edit = await partner.waitForCard(t.t('dialogs.edit.title', { claimId: draft.id }));
  await partner.screenshot('edit-dialog');
  // A draft's Done leads to its summary: Save as draft keeps it, and the card's Submit submits it.
  let summary = await nextCard(partner, t.t('dialogs.summary.title', { claimId: draft.id }), () => partner.press(edit, t.t('dialogs.edit.doneButton')));
  await partner.press(summary, t.t('dialogs.summary.draftButton'));
  await partner.waitForText(t.t('dialogs.summary.saved', { claimId: draft.id }));
  await partner.press(draftCard, action('submit'));
  await waitForStatus(draftCard, t.t('claims.status.Submitted'));
  await partner.screenshot('draft-submitted');

  // Another draft's Edit, Done and then Discard draft discards it.
  const discarding = await openClaim(partner, toDiscard.id);
  const editing = await nextCard(partner, t.t('dialogs.edit.title', { claimId: toDiscard.id }), () => partner.press(discarding, action('edit')));
  summary = await nextCard(partner, t.t('dialogs.summary.title', { claimId: toDiscard.id }), () => partner.press(editing, t.t('dialogs.edit.doneButton')));
  await partner.screenshot('summary-discard');
  await partner.press(summary, t.t('dialogs.summary.discardButton'));
  await partner.waitForText(t.t('dialogs.summary.discarded', { claimId: toDiscard.id }));

  // Every button of the edit dialog's menu: each field's step, answered as it stands, comes back
  // to the menu; Done leads to the summary, whose Back returns to the menu.
  const editTitle = t.t('dialogs.edit.title', { claimId: toEdit.id });
  let menu = await nextCard(partner, editTitle, async () => partner.press(await openClaim(partner, toEdit.id), action('edit')));
  const field = (name: string) => t.t(`dialogs.edit.fields.${name}`);
  let step = await nextCard(partner, t.t('dialogs.program.title'), () => partner.press(menu, field('program')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, programShortName('OSU-M365')));
  step = await nextCard(partner, t.t('dialogs.customer.title'), () => partner.press(menu, field('customer')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, t.t('dialogs.common.continueButton')));
  // The workloads card comes with the claim's workloads chosen: its Continue keeps them.
  step = await nextCard(partner, t.t('dialogs.workloads.title'), () => partner.press(menu, field('workloads')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, t.t('dialogs.common.continueButton')));
  // A step's Back returns to the menu without saving; the same step's Continue saves.
  step = await nextCard(partner, t.t('dialogs.contacts.heading'), () => partner.press(menu, field('contacts')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, t.t('dialogs.common.backButton')));
  step = await nextCard(partner, t.t('dialogs.contacts.heading'), () => partner.press(menu, field('contacts')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, t.t('dialogs.common.continueButton')));
  step = await nextCard(partner, t.t('dialogs.poe.title'), () => partner.press(menu, field('poe')));
  menu = await nextCard(partner, editTitle, () => partner.press(step, t.t('dialogs.poe.doneButton')));
  summary = await nextCard(partner, t.t('dialogs.summary.title', { claimId: toEdit.id }), () => partner.press(menu, t.t('dialogs.edit.doneButton')));
  menu = await nextCard(partner, editTitle, () => partner.press(summary, t.t('dialogs.common.backButton')));
  await partner.screenshot('edit-menu-again');
  await partner.say(command('cancel'));
  await partner.waitForText(t.t('bot.cancelled'));

  // Rita: a queue row opens a claim; she asks for information (reasons, comment, Send).
  const queue = await nextCard(reviewer, t.t('cards.queue.title'), () => reviewer.say(command('queue')));
  await queue.getByText(toInform.id, { exact: true }).click();
  const informCard = await reviewer.newestCard(t.t('cards.claim.title', { claimId: toInform.id }));
  await reviewer.press(informCard, action('startReview'));
  await waitForStatus(informCard, t.t('claims.status.InReview'));
  await reviewer.press(informCard, action('requestInformation'));
  await informCard.getByRole('checkbox', { name: t.t('claims.informationReason.missing-customer-acknowledgement') }).check();
  await visibleInput(informCard, action('commentToPartner')).fill('Please attach the signed acknowledgement.');
  await reviewer.screenshot('request-information');
  await reviewer.press(informCard, action('send'));
  await waitForStatus(informCard, t.t('claims.status.PartnerActionRequired'));
  await reviewer.screenshot('information-requested');

  // Rita rejects another: reason, comment, Reject claim.
  const rejectCard = await openClaim(reviewer, toReject.id);
  await reviewer.press(rejectCard, action('reject'));
  // A compact choice set is a Fluent combobox here: open it and pick the option.
  await visibleInput(rejectCard, action('reason')).click();
  await reviewer.page.getByRole('option', { name: t.t('claims.rejectionReason.insufficient-poe'), exact: true }).click();
  await visibleInput(rejectCard, action('commentToPartner')).fill('The PoE does not show the customer acknowledgement.');
  await reviewer.screenshot('reject');
  await reviewer.press(rejectCard, action('confirmReject'));
  await waitForStatus(rejectCard, t.t('claims.status.Rejected'));
  await reviewer.screenshot('rejected');

  // Ana comments on the claim that waits for her, and Respond on its card starts the respond dialog.
  const respondTitle = t.t('dialogs.respond.title', { claimId: toInform.id });
  const waiting = await openClaim(partner, toInform.id);
  await waitForStatus(waiting, t.t('claims.status.PartnerActionRequired'));
  await partner.press(waiting, action('comment'));
  await visibleInput(waiting, action('commentText')).fill('The signed acknowledgement follows today.');
  await partner.screenshot('comment');
  await partner.press(waiting, action('send'));
  await waiting.getByText(t.t('cards.note.commented')).waitFor({ state: 'visible' });
  await waiting.getByText('The signed acknowledgement follows today.').first().waitFor({ state: 'visible' });
  await partner.screenshot('commented');
  await nextCard(partner, respondTitle, () => partner.press(waiting, action('respond')));
  await partner.screenshot('respond-from-card');
  await partner.say(command('cancel'));
  await partner.waitForText(t.t('bot.cancelled'));

  // The alert's Respond starts it again; answering and Resubmit puts the claim back in review.
  const alert = await partner.waitForCard(t.t('cards.alert.information-requested.title', { claimId: toInform.id }), 20_000);
  const respond = await nextCard(partner, respondTitle, () => partner.press(alert, action('respond')));
  await respond.getByText(t.t('claims.informationReason.missing-customer-acknowledgement')).first().waitFor({ state: 'visible' });
  await visibleInput(respond, t.t('dialogs.respond.commentLabel')).fill('Attached the signed acknowledgement.');
  await partner.screenshot('respond-dialog');
  await partner.press(respond, t.t('dialogs.respond.resubmitButton'));
  await partner.waitForText(upToDue('dialogs.respond.done', toInform.id));
  assert.equal((await claims.get(ANA, toInform.id)).status, 'InReview', 'the response put the claim back in review');

  // Ana disputes the rejection: Dispute on the card starts the dialog; the justification sends it.
  const rejected = await openClaim(partner, toReject.id);
  await waitForStatus(rejected, t.t('claims.status.Rejected'));
  const dispute = await nextCard(partner, t.t('dialogs.dispute.title', { claimId: toReject.id }), () => partner.press(rejected, action('dispute')));
  await visibleInput(dispute, t.t('dialogs.dispute.justificationLabel')).fill('The acknowledgement is on page 3.');
  await partner.screenshot('dispute-dialog');
  await partner.press(dispute, t.t('dialogs.dispute.disputeButton'));
  await partner.waitForText(upToDue('dialogs.dispute.done', toReject.id));
  assert.equal((await claims.get(ANA, toReject.id)).status, 'Disputed');

  // Rita decides the dispute from the card: Uphold, then Send.
  const disputed = await openClaim(reviewer, toReject.id);
  await waitForStatus(disputed, t.t('claims.status.Disputed'));
  await reviewer.press(disputed, action('decideDispute'));
  await disputed.getByRole('radio', { name: action('uphold'), exact: true }).check();
  await reviewer.screenshot('decide-dispute');
  await reviewer.press(disputed, action('send'));
  await waitForStatus(disputed, t.t('claims.status.Rejected'));
  await reviewer.screenshot('dispute-decided');

  // Rita overturns another rejection on dispute: Decide dispute, Overturn, Send approves it.
  const overturning = await openClaim(reviewer, toOverturn.id);
  await waitForStatus(overturning, t.t('claims.status.Disputed'));
  await reviewer.press(overturning, action('decideDispute'));
  await overturning.getByRole('radio', { name: action('overturn'), exact: true }).check();
  await reviewer.press(overturning, action('send'));
  await waitForStatus(overturning, t.t('claims.status.Approved'));
  await reviewer.screenshot('dispute-overturned');

  // Rita's own Comment, and History with its Back to the claim.
  await reviewer.press(overturning, action('comment'));
  await visibleInput(overturning, action('commentText')).fill('Overturned: the acknowledgement is on page 3.');
  await reviewer.press(overturning, action('send'));
  await overturning.getByText(t.t('cards.note.commented')).waitFor({ state: 'visible' });
  const history = await nextCard(reviewer, t.t('cards.history.title', { claimId: toOverturn.id }), () => reviewer.press(overturning, action('history')));
  await reviewer.screenshot('history');
  await nextCard(reviewer, t.t('cards.claim.title', { claimId: toOverturn.id }), () => reviewer.press(history, action('backToClaim')));

  // Ana resubmits straight from a card that asks for information: Resubmit, then its Resubmit.
  const resubmitting = await openClaim(partner, toResubmit.id);
  await waitForStatus(resubmitting, t.t('claims.status.PartnerActionRequired'));
  await partner.press(resubmitting, action('resubmit'));
  await resubmitting.getByText(action('resubmitHint')).waitFor({ state: 'visible' });
  await visibleInput(resubmitting, action('optionalComment')).fill('Teams Phone and Teams Rooms.');
  await partner.screenshot('resubmit');
  await partner.press(resubmitting, action('resubmit'));
  await waitForStatus(resubmitting, t.t('claims.status.InReview'));

  // Ana withdraws another claim, confirming.
  const withdrawing = await openClaim(partner, toWithdraw.id);
  await partner.press(withdrawing, action('withdraw'));
  await withdrawing.getByText(action('withdrawHint')).waitFor({ state: 'visible' });
  await partner.screenshot('withdraw');
  await partner.press(withdrawing, action('confirmWithdraw'));
  await waitForStatus(withdrawing, t.t('claims.status.Rejected'));
  await partner.screenshot('withdrawn');

  // Carlos opts out of the approved claim from its consent notice, confirming.
  const notice = await customer.waitForCard(approved.id, 20_000);
  await notice.getByText(t.t('cards.consent.title', { partner: DEMO_ORGANISATION.name })).waitFor({ state: 'visible' });
  await customer.press(notice, action('optOut'));
  await notice.getByText(t.t('cards.consent.confirmQuestion', { partner: DEMO_ORGANISATION.name })).waitFor({ state: 'visible' });
  await customer.screenshot('opt-out-confirm');
  // "No, keep the association" goes back to the notice; Opt out asks again.
  await customer.press(notice, action('keep'));
  await notice.getByText(t.t('cards.consent.confirmQuestion', { partner: DEMO_ORGANISATION.name })).waitFor({ state: 'hidden' });
  await customer.press(notice, action('optOut'));
  await notice.getByText(t.t('cards.consent.confirmQuestion', { partner: DEMO_ORGANISATION.name })).waitFor({ state: 'visible' });
  await customer.press(notice, action('confirmOptOut'));
  await notice
    .getByText(t.t('cards.consent.optedOut', { partner: DEMO_ORGANISATION.name }))
    .first()
    .waitFor({ state: 'visible' });
  await customer.screenshot('opted-out');
  assert.equal((await claims.get(ANA, approved.id)).status, 'Rejected', 'the opt-out rejected the claim');

  await assertClean(run, errorTitles);
}

describe('every button in the Microsoft 365 Agents Playground (headless Chromium)', function () {
  this.timeout(480_000);

  before(function () {
    requireChromium(this);
  });

  it('each button of each card the partner, the reviewer and the customer get gives its reply or card (en-US)', async () => {
    // Its claims are seeded with PoE records but no files: the journey shows the pre-check.
    await withRun('en-US', 'buttons-en-US', everyButton, { POE_PRECHECK: 'off' });
  });
});
