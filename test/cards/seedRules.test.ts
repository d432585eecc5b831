import assert from 'node:assert/strict';
import { renderAlert, renderClaimCard, renderConsentNotice, type AdaptiveCard, type Viewer } from '../../cards/index.js';
import { SUPPORTED_LOCALES, translatorFor, type Locale } from '../../cards/i18n/i18n.js';
import type { Alert, AlertKind, Claim } from '../../services/model.js';
import { claimAt, createHarness, customer, m365Details, MONDAY, reviewer, type Harness } from '../support/serviceHarness.js';

// The seed rules the cards carry, in all five languages: the overall decision date, the PoE
// checklist with a request for information, the note that approval is not payment, the consent
// notice's purpose; and, under partner-center-2023, the notice at submission and an opt-out that
// stays open after approval. The clock is the fixtures' own, never today's.

const ZONE = 'Europe/Stockholm';
const viewerFor = (locale: Locale, role: Viewer['role'], now: Date = MONDAY): Viewer => ({
  userId: 'user-1',
  role,
  translator: translatorFor(locale),
  timeZone: ZONE,
  now,
});
const textOf = (card: AdaptiveCard): string => JSON.stringify(card);
const json = (text: string): string => JSON.stringify(text).slice(1, -1);
/** Verbs of the card's actions (an Action.Execute and its Action.Submit fallback count once). */
const verbsOf = (card: AdaptiveCard): string[] => [...new Set([...textOf(card).matchAll(/"verb":"(\w+)"/g)].map((match) => match[1]!))];
const WORKLOADS = ['Teams', 'Exchange', 'SharePoint', 'Intune', 'Viva'] as const;

async function alertOf(harness: Harness, claim: Claim, kind: AlertKind, to: Alert['to']): Promise<Alert> {
  const outbox = (await harness.repository.get(claim.id))!.outbox;
  const alert = outbox.find((candidate) => candidate.kind === kind && candidate.to === to);
  assert.ok(alert, `${kind} to ${to} in ${outbox.map((candidate) => candidate.kind).join(', ')}`);
  return alert;
}

/** These tests read the card's text; its buttons are the walk test's. */
const READ_ONLY = { allowed: new Set<never>() };

describe('seed rules on cards and alerts, in every language', function () {
  let seed: Harness;
  let later: Harness;
  let submitted: Claim;
  let asked: Claim;
  let approved: Claim;

  before(async function () {
    seed = await createHarness();
    submitted = await claimAt(seed, 'Submitted', m365Details({ workloads: ['Teams'] }));
    asked = await claimAt(seed, 'PartnerActionRequired', m365Details({ workloads: ['Viva'] }));
    approved = await claimAt(seed, 'Approved', m365Details({ workloads: ['Intune'] }));
    later = await createHarness({ policy: 'partner-center-2023' });
  });

  after(async function () {
    await seed.cleanup();
    await later.cleanup();
  });

  for (const locale of SUPPORTED_LOCALES) {
    describe(locale, function () {
      const t = translatorFor(locale);
      const at = (iso: string) => json(t.formatInstant(iso, ZONE));

      it('the claim card and the receipt show the overall decision date', async function () {
        assert.equal(submitted.decisionDue, '2026-12-07T09:00:00.000Z');
        for (const card of [
          renderClaimCard(submitted, viewerFor(locale, 'partner'), READ_ONLY),
          renderClaimCard(submitted, viewerFor(locale, 'reviewer'), READ_ONLY),
          renderAlert(await alertOf(seed, submitted, 'submission-receipt', 'partner'), viewerFor(locale, 'partner')),
        ]) {
          assert.ok(textOf(card).includes(json(t.t('cards.deadline.decision'))));
          assert.ok(textOf(card).includes(at(submitted.decisionDue)));
        }
      });

      it('a request for information shows the PoE checklist and the latest decision date', async function () {
        const card = renderAlert(await alertOf(seed, asked, 'information-requested', 'partner'), viewerFor(locale, 'partner'));
        for (const item of ['title', 'belongs', 'acknowledgement', 'dates', 'solution', 'products']) {
          assert.ok(textOf(card).includes(json(t.t(`claims.poeChecklist.${item}`))), item);
        }
        assert.ok(textOf(card).includes(json(t.t('cards.deadline.decisionLatest'))));
        assert.ok(textOf(card).includes(at(asked.decisionDue!)));
        assert.ok(textOf(renderClaimCard(asked, viewerFor(locale, 'partner'), READ_ONLY)).includes(json(t.t('cards.deadline.decisionLatest'))));
      });

      it('the approval alert says approval is not an incentive payment', async function () {
        const card = renderAlert(await alertOf(seed, approved, 'approved', 'partner'), viewerFor(locale, 'partner'));
        assert.ok(textOf(card).includes(json(t.t('cards.alert.approved.note'))));
        assert.ok(!textOf(card).includes(json(t.t('cards.deadline.decision'))), 'decided: no decision date');
      });

      it("the consent notice says why partner of record exists, in the customer's language", async function () {
        const card = renderAlert(await alertOf(seed, approved, 'consent-notice', 'customer'), viewerFor(locale, 'customer'));
        assert.ok(textOf(card).includes(json(t.t('cards.consent.purpose'))));
        assert.deepEqual(verbsOf(card), ['optOut']);
      });

      it('partner-center-2023: the customer gets the notice at submission and can still opt out after approval', async function () {
        const workload = WORKLOADS[SUPPORTED_LOCALES.indexOf(locale)]!;
        const claim = await claimAt(later, 'Submitted', m365Details({ workloads: [workload] }));
        const notice = renderAlert(await alertOf(later, claim, 'consent-notice', 'customer'), viewerFor(locale, 'customer'));
        assert.deepEqual(verbsOf(notice), ['optOut']);
        assert.ok(textOf(notice).includes(json(t.t('cards.consent.anyTime'))));
        assert.ok(textOf(notice).includes('MCI Modern Work and Security Usage'), 'the 2023 engagement name');

        const started = await later.service.startReview(reviewer(), claim.id, claim.version);
        const reviewCard = textOf(renderClaimCard(started, viewerFor(locale, 'reviewer'), { allowed: later.service.allowedActions(reviewer(), started) }));
        assert.ok(reviewCard.includes(json(t.t('cards.action.approveHintAnyTime'))), 'approving sends no second notice');
        const decided = await later.service.approve(reviewer(), started.id, started.version);
        const approval = renderAlert(await alertOf(later, decided, 'approved', 'partner'), viewerFor(locale, 'partner'));
        assert.ok(textOf(approval).includes(json(t.t('cards.alert.approved.textAnyTime', { claimId: decided.id }))));
        // Past the consent period, sent for incentive assessment: the customer may still decline.
        later.clock.set(decided.deadlines.consentWindow!);
        await later.service.tick();
        later.clock.advance(60 * 24 * 60 * 60 * 1000);
        const associated = await later.service.get(reviewer(), decided.id);
        assert.equal(associated.consentPhase, 'associated');
        const card = renderConsentNotice(associated, viewerFor(locale, 'customer', later.clock.now()));
        assert.deepEqual(verbsOf(card), ['optOut']);
        const declined = await later.service.optOut(customer(), associated.id, associated.version);
        assert.equal(declined.rejection?.reason, 'customer-declined');
      });
    });
  }
});
