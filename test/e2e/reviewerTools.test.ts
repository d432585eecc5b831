import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Claim } from '../../services/model.js';
import { poeFile, m365Details, REVIEW_TENANT } from '../support/serviceHarness.js';
import type { RecordedRequest } from '../support/connectorStandIn.js';
import {
  actorOf,
  assertDoesNotShow,
  assertShows,
  cardIn,
  e2ePerTest,
  invokeCard,
  PARTNER,
  REVIEWER,
  REVIEWER_2,
  type E2E,
  type Reply,
} from './support/e2eApp.js';
import { claimInReview } from './support/journey.js';

// Issue 19's reviewer tools through the real app over HTTP (startApp, the stand-in connector):
// a claim handed to another reviewer from its card and by command, a bulk approval from the
// queue, and a personal alert that reaches the delegate of a reviewer who is away. Every alert is
// counted on the connector.

const en = translatorFor('en');
const PARTNER_NAME = 'Contoso Partners';
const ROB_CHOICE = `${REVIEW_TENANT}:${REVIEWER_2.aadObjectId}`;

/** The strings of a card, depth first (to find a choice or a line). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The choices of the Input.ChoiceSet `id` in a card. */
function choicesOf(card: unknown, id: string): Array<{ title: string; value: string }> {
  let found: Array<{ title: string; value: string }> = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    if (object.type === 'Input.ChoiceSet' && object.id === id) found = object.choices as typeof found;
    Object.values(object).forEach(walk);
  };
  walk(card);
  return found;
}

describe('e2e: reviewer tools (issue 19)', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await apps.start();
    // Both reviewers have talked to the bot, so personal alerts can reach them.
    await e2e.say(REVIEWER, 'help');
    await e2e.say(REVIEWER_2, 'help');
    await e2e.say(PARTNER, 'help');
  });

  /** A submitted claim, as the partner files it. */
  async function submitted(workload: 'Teams' | 'Exchange' | 'Intune' = 'Teams'): Promise<Claim> {
    const { claims } = e2e.app;
    const partner = actorOf(PARTNER);
    let claim = await claims.create(partner, m365Details({ workloads: [workload] }));
    claim = await claims.addPoe(partner, claim.id, claim.version, poeFile());
    return claims.submit(partner, claim.id, claim.version);
  }

  const alertsTo = (person: typeof REVIEWER, marker: string): RecordedRequest[] =>
    e2e.proactive(person).filter((request) => strings(request.body).some((text) => text.includes(marker)));

  it('reassign: the card offers the other reviewer, the click hands the claim over once, a double click does nothing, and the command works too', async () => {
    const filed = await submitted();
    // Rita starts the review from the card: she is its reviewer now.
    invokeCard(await e2e.click(REVIEWER, 'startReview', { claimId: filed.id, version: filed.version }));
    const claim = await e2e.app.claims.get(actorOf(REVIEWER), filed.id);
    assert.deepEqual(claim.assignedReviewer, { userId: REVIEWER.aadObjectId, tenantId: REVIEW_TENANT, name: 'Rita Reviewer' });

    const [card] = await e2e.say(REVIEWER, `claim ${claim.id}`);
    const choices = choicesOf(cardIn(card), 'assignee');
    assert.deepEqual(choices, [{ title: 'Rob Reviewer', value: ROB_CHOICE }], 'Rob, not Rita who has it');
    assertShows(card, en.t('cards.claim.assignee', { reviewer: 'Rita Reviewer' }));

    const data = { claimId: claim.id, version: claim.version, assignee: ROB_CHOICE };
    const answered = invokeCard(await e2e.click(REVIEWER, 'reassign', data, { replyToId: 'claim-card' }));
    assertShows(answered, en.t('cards.note.reassigned', { reviewer: 'Rob Reviewer' }), en.t('cards.claim.assignee', { reviewer: 'Rob Reviewer' }));
    const title = en.t('cards.alert.claim-assigned.title', { claimId: claim.id, partner: PARTNER_NAME });
    const alert = await e2e.waitForAlert(REVIEWER_2, title);
    assertShows(
      alert.body as Reply,
      en.t('cards.alert.claim-assigned.text', {
        by: 'Rita Reviewer',
        claimId: claim.id,
        partner: PARTNER_NAME,
        previous: en.t('cards.alert.claim-assigned.previous', { reviewer: 'Rita Reviewer' }),
      }),
    );

    // The same click again: the claim changed since, so nothing more happens.
    const again = invokeCard(await e2e.click(REVIEWER, 'reassign', data, { replyToId: 'claim-card' }));
    assertShows(again, en.t('cards.note.stale'));
    await e2e.quiet(300);
    assert.equal(alertsTo(REVIEWER_2, title).length, 1, 'Rob is told once');
    const history = await e2e.app.claims.history(actorOf(REVIEWER), claim.id);
    assert.equal(history.filter((entry) => entry.action === 'reassign').length, 1);

    // Rob gives it back by command: Rita is told once; Rob made the change, so he is not.
    const [reply] = await e2e.say(REVIEWER_2, `reassign ${claim.id} rita`);
    assertShows(reply, en.t('cards.note.reassigned', { reviewer: 'Rita Reviewer' }));
    await e2e.waitForAlert(REVIEWER, title);
    await e2e.quiet(300);
    assert.equal(alertsTo(REVIEWER, title).length, 1);
    assert.equal(alertsTo(REVIEWER_2, en.t('cards.alert.claim-unassigned.title', { claimId: claim.id })).length, 0);

    // A partner is refused, with the reason.
    const refused = await e2e.say(PARTNER, `reassign ${claim.id} rob`);
    assertShows(refused[0], en.t('errors.not-allowed'));
    const current = await e2e.app.claims.get(actorOf(REVIEWER), claim.id);
    assert.equal(current.assignedReviewer?.userId, REVIEWER.aadObjectId);
  });

  it('bulk approve from the queue: each claim decided on its own, a refused one leaves the others done, a double click acts on none', async () => {
    const { claims } = e2e.app;
    const first = await claimInReview(e2e, 'Teams');
    const second = await claimInReview(e2e, 'Exchange');
    const partner = actorOf(PARTNER);
    const waiting = await submitted('Intune');

    const [queue] = await e2e.say(REVIEWER, 'queue');
    const selectable = choicesOf(cardIn(queue), 'bulkClaims').map((choice) => choice.value);
    assert.deepEqual(selectable.sort(), [first, second, waiting].map((claim) => `${claim.id}@${claim.version}`).sort());

    const data = { bulkAction: 'approve', bulkClaims: [first, waiting, second].map((claim) => `${claim.id}@${claim.version}`).join(',') };
    const result = invokeCard(await e2e.click(REVIEWER, 'bulkDecide', data, { replyToId: 'queue-card' }));
    assertShows(
      result,
      en.t('cards.bulk.summary', { done: 2, total: 3 }),
      en.t('cards.bulk.refused'),
      en.t('errors.invalid-transition', { status: en.t('claims.status.Submitted') }),
    );
    for (const claim of [first, second]) assert.equal((await claims.get(partner, claim.id)).status, 'Approved');
    assert.equal((await claims.get(partner, waiting.id)).status, 'Submitted');

    const again = invokeCard(await e2e.click(REVIEWER, 'bulkDecide', data, { replyToId: 'queue-card' }));
    assertShows(again, en.t('cards.bulk.summary', { done: 0, total: 3 }), en.t('cards.bulk.stale'));
    assertDoesNotShow(again, en.t('errors.stale-version'));

    for (const claim of [first, second]) {
      const title = en.t('cards.alert.approved.title', { claimId: claim.id, partner: PARTNER_NAME });
      await e2e.waitForAlert(PARTNER, title);
      const history = await claims.history(actorOf(REVIEWER), claim.id);
      assert.equal(history.filter((entry) => entry.action === 'approve').length, 1, `${claim.id}: one approval`);
    }
    await e2e.quiet(300);
    for (const claim of [first, second]) {
      const title = en.t('cards.alert.approved.title', { claimId: claim.id, partner: PARTNER_NAME });
      assert.equal(alertsTo(PARTNER, title).length, 1, `${claim.id}: the partner is told once`);
    }

    // A forged selection is refused before anything is done.
    const forged = await e2e.click(REVIEWER, 'bulkDecide', { bulkAction: 'approve', bulkClaims: 'CPOR-1@x' });
    assert.equal(forged.statusCode, 400);
  });

  it("out of office: Rita's personal alerts go to Rob while she is away, with a copy to her, once each; I'm back ends it", async () => {
    const lastDay = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
    const [away] = await e2e.say(REVIEWER, `away ${lastDay} rob`);
    assertShows(away, en.t('cards.away.saved'));
    assert.ok(
      strings(cardIn(away)).some((text) => text.startsWith('You are away until')),
      'the card says she is away',
    );

    // Rob hands a claim to Rita while she is away.
    let claim = await submitted();
    claim = await e2e.app.claims.startReview(actorOf(REVIEWER_2), claim.id, claim.version);
    claim = await e2e.app.claims.reassign(actorOf(REVIEWER_2), claim.id, claim.version, { assignee: { ...actorOf(REVIEWER), displayName: 'Rita Reviewer' } });
    const title = en.t('cards.alert.claim-assigned.title', { claimId: claim.id, partner: PARTNER_NAME });
    const forRob = await e2e.waitForAlert(REVIEWER_2, title);
    const forRita = await e2e.waitForAlert(REVIEWER, title);
    assert.ok(
      strings(forRob.body).some((text) => text.startsWith('You receive this for Rita Reviewer')),
      'Rob stands in',
    );
    assert.ok(
      strings(forRita.body).some((text) => text.startsWith('A copy for you')),
      'Rita is kept informed',
    );
    await e2e.quiet(300);
    assert.equal(alertsTo(REVIEWER_2, title).length, 1);
    assert.equal(alertsTo(REVIEWER, title).length, 1);

    // Back: the away card's button ends it.
    const back = invokeCard(await e2e.click(REVIEWER, 'clearAway', {}));
    assertShows(back, en.t('cards.away.cleared'), en.t('cards.away.present'));
  });
});
