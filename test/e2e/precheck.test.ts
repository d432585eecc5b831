import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { systemClock } from '../../services/clock.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { MarkerChecker, textPdf } from '../support/markerChecker.js';
import { actionTitled, cardTitle, submit, textOf } from '../dialogs/support/dialogHarness.js';
import { actorOf, cardIn, cardStrings, e2ePerTest, PARTNER, REVIEWER, startE2E, type E2E, type E2EOptions } from './support/e2eApp.js';
import { fileFrom, first, walkCreateClaim } from './support/journey.js';
import { makePdf } from '../poe/precheck/support/documents.js';

// The PoE pre-check through the real server: the partner uploads a text-bearing PDF in the
// create-claim conversation, is told it is being checked, gets the checklist card exactly once,
// sees the combined checklist before Submit; the reviewer's claim card shows the evidence and
// Request information comes prefilled. A file uploaded while no checker ran is checked after a
// restart. On PostgreSQL, two instances that both check a file keep one report and one card.

const en = translatorFor('en');
const CHECKLIST_LABEL = en.t('cards.alert.poe-prechecked.label');
/** Names the customer, the partner and both workloads, and is dated; no acknowledgement, no work words. */
/** Dated today by the process clock the app reads too, so it is never too old, whatever the date. */
const DATED = `Teams and Exchange, ${new Date().toISOString().slice(0, 10)}`;
const SOW = textPdf('Contoso Partners and fabrikam.onmicrosoft.com', DATED);

function checklistCards(e2e: E2E) {
  return e2e.proactive(PARTNER).filter((request) => request.status < 300 && cardStrings(request.body).includes(CHECKLIST_LABEL));
}

/** The partner's conversation up to the PoE question; then `sow.pdf` is uploaded. */
async function uploadSow(e2e: E2E): Promise<{ claimId: string; reply: string }> {
  const { claimId } = await walkCreateClaim(e2e, PARTNER, 'poe');
  const replies = await e2e.say(PARTNER, fileFrom(e2e, 'sow.pdf', SOW));
  return { claimId, reply: textOf(replies[0]) };
}

describe('e2e: the PoE pre-check', function () {
  this.timeout(60_000);
  const run = e2ePerTest();

  it('checklist once to the partner, before Submit, and on the reviewer’s card with Request information prefilled', async function () {
    const checker = new MarkerChecker(systemClock);
    const e2e = await run.start({ precheck: () => ({ checker }) });
    const { claimId, reply } = await uploadSow(e2e);
    assert.ok(reply.includes(en.t('dialogs.poe.beingChecked')), reply);

    const alert = await e2e.waitForAlert(PARTNER, CHECKLIST_LABEL);
    const strings = cardStrings(alert.body);
    assert.ok(strings.includes(en.t('cards.precheck.fileSummary', { file: 'sow.pdf', found: 4, of: 6 })), strings.join(' | '));
    assert.ok(
      strings.includes(
        en.t('cards.precheck.found', {
          check: en.t('cards.precheck.check.customer-named'),
          where: 'page 1',
          quote: 'Contoso Partners and fabrikam.onmicrosoft.com',
        }),
      ),
    );
    assert.ok(strings.includes(en.t('cards.precheck.missing', { check: en.t('cards.precheck.check.customer-acknowledgement') })));
    assert.ok(strings.includes(en.t('cards.precheck.maySubmit')));

    // Before Submit: the combined checklist, and Submit still offered.
    let replies = await e2e.say(PARTNER, first(en, 'dialogs.words.done'));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.summary.title', { claimId }));
    const summary = cardStrings(cardIn(replies[0])).find((text) => text.includes(en.t('cards.precheck.heading'))) ?? '';
    assert.ok(summary.includes(en.t('cards.precheck.maySubmit')), summary);
    assert.ok(summary.includes(en.t('cards.precheck.missing', { check: en.t('cards.precheck.check.partner-work-described') })), summary);
    assert.ok(
      summary.includes(
        en.t('cards.precheck.foundIn', {
          check: en.t('cards.precheck.check.partner-named'),
          file: 'sow.pdf',
          where: 'page 1',
          quote: 'Contoso Partners and fabrikam.onmicrosoft.com',
        }),
      ),
      summary,
    );
    replies = await e2e.say(PARTNER, submit(actionTitled(replies[0], en.t('dialogs.summary.submitButton'))));
    assert.equal((await e2e.app.claims.get(actorOf(PARTNER), claimId)).status, 'Submitted', JSON.stringify(replies));

    // Exactly once, even after the submission changed the claim again.
    await e2e.app.precheck!.whenIdle();
    await e2e.quiet();
    assert.equal(checklistCards(e2e).length, 1);
    assert.equal(checker.calls.length, 1);

    // The reviewer starts the review and reads the card: the evidence, and the reasons preselected.
    const submitted = await e2e.app.claims.get(actorOf(REVIEWER), claimId);
    await e2e.app.claims.startReview(actorOf(REVIEWER), claimId, submitted.version);
    replies = await e2e.say(REVIEWER, `claim ${claimId}`);
    const card = cardIn(replies[0]);
    const texts = cardStrings(card);
    assert.ok(texts.includes(en.t('cards.precheck.heading')), texts.join(' | '));
    assert.ok(
      texts.includes(
        en.t('cards.precheck.foundIn', {
          check: en.t('cards.precheck.check.dates'),
          file: 'sow.pdf',
          where: 'page 1',
          quote: DATED,
        }),
      ),
      texts.join(' | '),
    );
    assert.ok(texts.includes(en.t('cards.precheck.reviewerHint', { action: en.t('cards.action.requestInformation') })));
    assert.equal(inputOf(card, 'infoReasons').value, 'missing-customer-acknowledgement,missing-partner-solution');

    // The history card says what the pre-check found.
    replies = await e2e.say(REVIEWER, `history ${claimId}`);
    assert.ok(cardStrings(cardIn(replies[0])).includes(en.t('cards.history.prechecked', { file: 'sow.pdf', found: 4, of: 6 })));

    // Stopping the app stops the runner, then frees the checker.
    await e2e.app.stop();
    assert.equal(checker.closed, 1);
    assert.equal(e2e.app.precheck!.health().running, false);
  });

  it('reads a real PDF with the engine the app starts by default, and finds all six', async function () {
    const e2e = await run.start({ env: { POE_PRECHECK: 'on', POE_PRECHECK_OCR: 'off' } });
    // Dated today by the process clock the app also reads, so the date is never too old.
    const today = new Date().toISOString().slice(0, 10);
    const pdf = await makePdf([
      [
        'Statement of work: Contoso Partners (PartnerID 4512345) for Fabrikam, fabrikam.onmicrosoft.com',
        'Contoso Partners deployed and configured Microsoft Teams and Exchange Online for Fabrikam.',
        `Date: ${today}`,
        'Accepted and signed by the customer: Dana Customer, IT Director, Fabrikam',
      ],
    ]);
    await walkCreateClaim(e2e, PARTNER, 'poe');
    const replies = await e2e.say(PARTNER, fileFrom(e2e, 'statement-of-work.pdf', Buffer.from(pdf)));
    assert.ok(textOf(replies[0]).includes(en.t('dialogs.poe.beingChecked')), textOf(replies[0]));

    const strings = cardStrings((await e2e.waitForAlert(PARTNER, CHECKLIST_LABEL, 30_000)).body);
    assert.ok(strings.includes(en.t('cards.precheck.fileSummary', { file: 'statement-of-work.pdf', found: 6, of: 6 })), strings.join(' | '));
    assert.ok(
      strings.some((text) => text.startsWith(`✓ ${en.t('cards.precheck.check.customer-acknowledgement')}`) && text.includes('page 1')),
      strings.join(' | '),
    );
    await e2e.quiet();
    assert.equal(checklistCards(e2e).length, 1);
  });

  it('a file uploaded before a restart, while no checker ran, is checked after it, once', async function () {
    // No checker at the first start; one from the restart on.
    const current: { checker?: MarkerChecker } = {};
    const e2e = await run.start({ precheck: () => (current.checker ? { checker: current.checker } : undefined) });
    const { claimId, reply } = await uploadSow(e2e);
    assert.ok(!reply.includes(en.t('dialogs.poe.beingChecked')), 'the pre-check is off: no promise of a check');
    await e2e.quiet();
    assert.equal(checklistCards(e2e).length, 0);

    const checker = new MarkerChecker(systemClock);
    current.checker = checker;
    await e2e.restart();
    await e2e.waitForAlert(PARTNER, CHECKLIST_LABEL);
    await e2e.app.precheck!.whenIdle();
    await e2e.restart();
    await e2e.app.precheck!.whenIdle();
    await e2e.quiet();
    assert.equal(checklistCards(e2e).length, 1, 'a second restart reads nothing again');
    assert.equal(checker.calls.length, 1);
    const claim = await e2e.app.claims.get(actorOf(PARTNER), claimId);
    assert.equal(claim.poe[0]!.precheck?.report.checkerVersion, 'marker-1');
  });
});

describe('e2e: the PoE pre-check on STORE=postgres', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  const opened: E2E[] = [];

  before(async function () {
    cluster = await clusterOrSkip(this, 'the pre-check on STORE=postgres');
  });
  afterEach(async () => {
    for (const e2e of opened.splice(0)) await e2e.close();
  });

  it('two instances that both sweep a file keep one report, one history entry and send one checklist', async function () {
    const url = await cluster.createDatabase('cpor_e2e_precheck');
    const options = (checker: MarkerChecker): E2EOptions => ({
      env: { STORE: 'postgres', DATABASE_URL: url },
      // Sweeps every 50 ms: both instances look at every open claim again and again.
      precheck: () => ({ checker, sweepIntervalMs: 50 }),
    });
    const one = new MarkerChecker(systemClock);
    const two = new MarkerChecker(systemClock);
    const e2e = await startE2E(options(one));
    opened.push(e2e);
    const other = await startE2E(options(two));
    opened.push(other);

    const { claimId } = await uploadSow(e2e);
    await e2e.waitForAlert(PARTNER, CHECKLIST_LABEL);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([e2e.app.precheck!.whenIdle(), other.app.precheck!.whenIdle()]);
    await e2e.quiet();
    assert.equal(checklistCards(e2e).length, 1);
    const claim = await other.app.claims.get(actorOf(PARTNER), claimId);
    assert.equal(claim.history.filter((entry) => entry.action === 'poe-prechecked').length, 1);
    assert.ok(claim.poe[0]!.precheck, 'the report is in the database');

    // After a restart on the database, nothing is read again.
    const before = one.calls.length + two.calls.length;
    await e2e.restart();
    await e2e.app.precheck!.whenIdle();
    assert.equal(one.calls.length + two.calls.length, before);
  });
});

/** The input with this id anywhere in a card (Request information sits in a ShowCard). */
function inputOf(card: unknown, id: string): Record<string, unknown> {
  const stack: unknown[] = [card];
  while (stack.length) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (object.id === id) return object;
      stack.push(...Object.values(object));
    }
  }
  throw new Error(`no input ${id} in the card`);
}
