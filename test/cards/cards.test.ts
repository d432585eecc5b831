import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  renderAlert,
  renderClaimCard,
  renderClaimList,
  renderConsentNotice,
  renderError,
  renderHelp,
  renderHistory,
  renderMessage,
  renderAwayCard,
  renderBulkResult,
  renderReviewQueue,
  renderWelcome,
  type AdaptiveCard,
  type Viewer,
} from '../../cards/index.js';
import { catalogueKeys, SUPPORTED_LOCALES, translatorFor, type Locale } from '../../cards/i18n/i18n.js';
import type { Role } from '../../services/actor.js';
import type { Actor } from '../../services/actor.js';
import { ALERT_KINDS, type Alert, type AlertAudience, type AlertKind, type Claim, type ClaimDetails } from '../../services/model.js';
import {
  bizAppsDetails,
  claimAt,
  createHarness,
  OTHER_CUSTOMER_TENANT,
  customer,
  m365Details,
  MONDAY,
  otherPartner,
  partner,
  REVIEW_TENANT,
  reviewer,
  type Harness,
  type Stage,
} from '../support/serviceHarness.js';
import { DomainError } from '../../services/errors.js';
import { validateAdaptiveCard } from './adaptiveCardValidator.js';
import { MarkerChecker, textPdf } from '../support/markerChecker.js';
import { cardStrings } from '../e2e/support/e2eApp.js';

// Every card the product can send, in every language, checked against Adaptive Cards 1.5 with the
// adaptivecards library's parser, for size (Teams refuses cards over ~80 KB), for leftover
// template expressions, and for templates free of English.

const MAX_BYTES = 80 * 1024;
const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../cards/templates');
const ROLES = ['partner', 'reviewer', 'customer', 'observer'] as const;
const STAGES: Stage[] = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Associated', 'Rejected', 'Disputed'];

/** A reader at `now`: the fixtures' own time, never today's date. */
function viewerFor(locale: Locale, role: Viewer['role'] = 'partner', now: Date = MONDAY): Viewer {
  return { userId: 'user-1', teamsUserId: '29:user-1', role, translator: translatorFor(locale), timeZone: 'Europe/Stockholm', now };
}

/** Someone in each relation to the fixtures' claims (an observer: another partner organisation). */
function actorIn(role: Viewer['role']): Actor {
  return role === 'reviewer' ? reviewer() : role === 'partner' ? partner() : role === 'customer' ? customer() : otherPartner();
}

function assertSendable(card: AdaptiveCard, label: string): void {
  const problems = validateAdaptiveCard(card);
  assert.deepEqual(problems, [], `${label}: not a valid Adaptive Card 1.5:\n${problems.join('\n')}`);
  const json = JSON.stringify(card);
  assert.ok(Buffer.byteLength(json) < MAX_BYTES, `${label}: ${Buffer.byteLength(json)} bytes`);
  assert.ok(!json.includes('${'), `${label}: an unresolved template expression is left`);
  // A catalogue text whose parameter the renderer did not pass shows "{name}" to the reader.
  assert.doesNotMatch(json, /\{[A-Za-z]+\}/, `${label}: a text parameter is left unfilled`);
}

/** Every object in a card, depth first. */
function objectsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  if (!value || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  return [
    object,
    ...Object.entries(object)
      .filter(([key]) => key !== 'data')
      .flatMap(([, entry]) => objectsOf(entry)),
  ];
}

/** The card's Action.Execute buttons (the refresh action is not a button). */
function executeActions(card: AdaptiveCard): Record<string, unknown>[] {
  return objectsOf({ ...card, refresh: undefined }).filter((object) => object.type === 'Action.Execute');
}

function verbsOf(card: AdaptiveCard): string[] {
  return executeActions(card).map((action) => String(action.verb));
}

function textOf(card: AdaptiveCard): string {
  return JSON.stringify(card);
}

describe('cards', function () {
  let harness: Harness;
  const claims = new Map<string, Claim>();
  let alerts: Alert[] = [];

  before(async function () {
    harness = await createHarness();
    for (const stage of STAGES) claims.set(stage, await claimAt(harness, stage, m365Details({ workloads: [stageWorkload(stage)] })));
    const { service } = harness;
    // A final rejection (withdrawn), a customer opt-out, and a claim with long comments.
    const withdrawn = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
    claims.set('Withdrawn', await service.withdraw(partner(), withdrawn.id, withdrawn.version, { comment: 'Filed by mistake.' }));
    const approved = await claimAt(harness, 'Approved', m365Details({ workloads: ['Defender'] }));
    claims.set('OptedOut', await service.optOut(customer(), approved.id, approved.version));
    let talkative = await claimAt(harness, 'InReview', m365Details({ workloads: ['Purview'] }));
    for (const side of [partner(), reviewer(), partner(), reviewer()]) {
      talkative = await service.comment(side, talkative.id, talkative.version, { text: `${side.userId} ${'long comment text '.repeat(220)}`.slice(0, 4000) });
    }
    claims.set('Talkative', talkative);
    // Another organisation claims the same customer and workload: a competing claim.
    const competing = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'], partnerId: '7700001' }), otherPartner());
    claims.set('Competing', competing);
    // A claim in review whose PoE the pre-check read: found, missing and too-old lines, and the prefill.
    claims.set(
      'Prechecked',
      await prechecked(
        harness,
        'InReview',
        m365Details({ workloads: ['Purview', 'Teams'], customerDomain: 'tailspin.onmicrosoft.com', customerTenantId: OTHER_CUSTOMER_TENANT }),
      ),
    );
    claims.set(
      'PrecheckedDraft',
      await prechecked(harness, 'Draft', bizAppsDetails({ customerDomain: 'tailspin.onmicrosoft.com', customerTenantId: OTHER_CUSTOMER_TENANT })),
    );
    const documents = await Promise.all([...claims.values()].map((claim) => harness.repository.get(claim.id)));
    alerts = documents.flatMap((document) => document?.outbox ?? []);
  });

  after(async function () {
    await harness.cleanup();
  });

  function stageWorkload(stage: Stage) {
    const workloads = ['Teams', 'Exchange', 'SharePoint', 'Intune', 'Microsoft 365 Apps', 'Entra ID P1', 'Entra ID P2', 'Windows'] as const;
    return workloads[STAGES.indexOf(stage)]!;
  }

  describe('templates', function () {
    const USER_FACING = new Set(['text', 'title', 'label', 'errorMessage', 'placeholder', 'fallbackText', 'altText', 'speak']);
    const templates = readdirSync(TEMPLATES_DIR, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.json') && !name.startsWith('forms'))
      .map((name) => join(TEMPLATES_DIR, name));

    it('hold no English (or any) literal text: user-facing strings are expressions only', function () {
      assert.ok(templates.length >= 8);
      for (const file of templates) {
        const template: unknown = JSON.parse(readFileSync(file, 'utf8'));
        for (const object of objectsOf(template)) {
          for (const [key, value] of Object.entries(object)) {
            if (!USER_FACING.has(key) || typeof value !== 'string') continue;
            const literal = value.replace(/\$\{[^}]*\}/g, '');
            assert.ok(!/\p{L}/u.test(literal), `${relative(TEMPLATES_DIR, file)}: "${key}": "${value}" has literal text`);
          }
        }
      }
    });

    it('the cards catalogue has the same keys in every language, and is really translated', function () {
      const english = catalogueKeys('en').filter((key) => key.startsWith('cards.'));
      const en = translatorFor('en');
      assert.ok(english.length > 150);
      for (const locale of SUPPORTED_LOCALES) {
        assert.deepEqual(
          catalogueKeys(locale).filter((key) => key.startsWith('cards.')),
          english,
          locale,
        );
        if (locale === 'en') continue;
        const translator = translatorFor(locale);
        const same = english.filter((key) => translator.t(key) === en.t(key));
        // Placeholder-only strings ("{status}: {phase}") and names are the same everywhere.
        assert.ok(same.length < english.length * 0.1, `${locale}: ${same.length} messages identical to English: ${same.join(', ')}`);
      }
    });
  });

  describe('the validator', function () {
    it('catches what Teams would not show', function () {
      const problems = validateAdaptiveCard({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [
          { type: 'TextBlock', text: 'x', colour: 'Good' },
          { type: 'TextBlock', text: 'y', size: 'Huge' },
          { type: 'Input.Text', id: 'a' },
          { type: 'Input.Text', id: 'a' },
        ],
        actions: [{ type: 'Action.Execute', verb: 'v', fallback: { type: 'Action.Launch' } }],
      });
      assert.ok(
        problems.some((problem) => problem.includes('"colour"')),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((problem) => problem.includes('"Huge"')),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((problem) => problem.includes('Duplicate Id')),
        problems.join('\n'),
      );
      assert.ok(
        problems.some((problem) => problem.includes('Action.Launch')),
        problems.join('\n'),
      );
      assert.ok(validateAdaptiveCard({ type: 'AdaptiveCard', version: '1.6', body: [] }).length > 0);
    });
  });

  for (const locale of SUPPORTED_LOCALES) {
    describe(`in ${locale}`, function () {
      it('the claim card, for every status and every role', function () {
        for (const [name, claim] of claims) {
          for (const role of ROLES) {
            const allowed = harness.service.allowedActions(actorIn(role), claim);
            const card = renderClaimCard(claim, viewerFor(locale, role), { allowed, refreshUserIds: ['29:user-1'], note: 'Note' });
            assertSendable(card, `${name} as ${role}`);
            for (const action of executeActions(card)) {
              const data = action.data as Record<string, unknown>;
              assert.equal(data.claimId, claim.id);
              assert.equal(data.version, claim.version);
              const fallback = action.fallback as { type: string; data: Record<string, unknown> } | undefined;
              assert.equal(fallback?.type, 'Action.Submit', `${name}/${role}: ${String(action.verb)} has no Action.Submit fallback`);
              assert.deepEqual(fallback.data, { ...data, verb: action.verb });
            }
          }
        }
      });

      it('the review queue, the list of claims and the history', async function () {
        const queue = await harness.service.reviewQueue(reviewer());
        assert.ok(queue.length >= 3);
        assertSendable(renderReviewQueue(queue, viewerFor(locale, 'reviewer')), 'queue');
        assertSendable(renderReviewQueue([], viewerFor(locale, 'reviewer')), 'empty queue');
        // The queue with its bulk selection: only claims the reviewer may decide, only actions one of them allows.
        const allowed = (claim: Claim) => harness.service.allowedActions(reviewer(), claim);
        const bulkQueue = renderReviewQueue(queue, viewerFor(locale, 'reviewer'), { allowed });
        assertSendable(bulkQueue, 'queue with bulk selection');
        // Open and Refresh are typed commands: they neither send the selection nor wait for one.
        const submits = objectsOf(bulkQueue).filter((object) => object.type === 'Action.Submit' && !JSON.stringify(object.data).includes('bulkDecide'));
        assert.ok(submits.length >= 2);
        assert.ok(
          submits.every((object) => object.associatedInputs === 'none'),
          'every command button ignores the selection',
        );
        const selectable = objectsOf(bulkQueue).find((object) => object.id === 'bulkClaims') as { choices: { value: string }[] } | undefined;
        assert.deepEqual(
          selectable?.choices.map((choice) => choice.value).sort(),
          queue
            .filter((item) => ['startReview', 'approve', 'reject', 'requestInformation'].some((action) => allowed(item.claim).has(action as never)))
            .map((item) => `${item.claim.id}@${item.claim.version}`)
            .sort(),
        );
        const offered = executeActions(bulkQueue).map((action) => (action.data as { bulkAction: string }).bulkAction);
        const expected = ['startReview', 'approve', 'requestInformation', 'reject'].filter((action) =>
          queue.some((item) => allowed(item.claim).has(action as never)),
        );
        assert.deepEqual(offered, expected, 'the queue offers exactly the bulk actions one listed claim allows');
        for (const action of executeActions(bulkQueue)) {
          const fallback = action.fallback as { type: string; data: Record<string, unknown> };
          assert.deepEqual(fallback.data, { ...(action.data as Record<string, unknown>), verb: 'bulkDecide' });
        }
        const sample = queue[0]!.claim;
        assertSendable(
          renderBulkResult(
            'approve',
            [
              { claimId: sample.id, outcome: 'done', claim: { ...sample, status: 'Approved', consentPhase: 'window-open' } },
              { claimId: 'CPOR-2026-000099', outcome: 'refused', error: new DomainError('stale-version', { claimId: 'CPOR-2026-000099', version: 3 }) },
            ],
            viewerFor(locale, 'reviewer'),
          ),
          'bulk result',
        );
        const rob = { userId: 'reviewer-2', tenantId: REVIEW_TENANT, name: 'Rob Reviewer' };
        const away = {
          reviewer: { ...rob, userId: 'reviewer-1', name: 'Rita' },
          delegate: rob,
          until: '2026-12-05T00:00:00.000Z',
          setAt: MONDAY.toISOString(),
        };
        assertSendable(renderAwayCard(undefined, [rob], viewerFor(locale, 'reviewer'), { today: '2026-11-23' }), 'away card, present');
        assertSendable(renderAwayCard(away, [rob], viewerFor(locale, 'reviewer'), { today: '2026-11-23', note: 'x' }), 'away card, away');
        assertSendable(renderAwayCard(undefined, [], viewerFor(locale, 'reviewer'), { today: '2026-11-23' }), 'away card, nobody to stand in');
        const list = await harness.service.listForPartner(partner(), { limit: 50 });
        assertSendable(renderClaimList(list, viewerFor(locale)), 'list');
        assertSendable(renderClaimList({ total: 0, claims: [] }, viewerFor(locale)), 'empty list');
        for (const [name, claim] of claims) assertSendable(renderHistory(claim, claim.history, viewerFor(locale)), `history of ${name}`);
      });

      it("the escalation: the partner's admins are told it is theirs to answer, the reviewer that the admins were told", function () {
        const [escalated] = alertsOf('information-escalated');
        const t = translatorFor(locale);
        const toAdmins = textOf(renderAlert(escalated!, viewerFor(locale, 'partner')));
        const toReviewer = { ...escalated!, to: 'reviewer' as const, data: { ...escalated!.data, reviewerId: 'reviewer-1', reviewerTenantId: REVIEW_TENANT } };
        const reviewerCard = renderAlert(toReviewer, viewerFor(locale, 'reviewer'));
        assertSendable(reviewerCard, 'escalation to the reviewer');
        const head = (key: string) => t.t(key, { claimId: 'X', partner: 'Y', reasons: 'Z', comment: 'W', deadline: 'V' }).slice(0, 8);
        assert.ok(toAdmins.includes(head('cards.alert.information-escalated.text')));
        assert.ok(textOf(reviewerCard).includes(head('cards.alert.information-escalated.textReviewer')));
        assert.ok(!textOf(reviewerCard).includes(head('cards.alert.information-escalated.text')));
      });

      it('every alert kind, to its audience', function () {
        for (const kind of ALERT_KINDS) {
          for (const alert of alertsOf(kind)) {
            const role = alert.to === 'reviewers' ? 'reviewer' : alert.to === 'partner-admins' ? 'partner' : alert.to;
            assertSendable(renderAlert(alert, viewerFor(locale, role)), `${kind} to ${alert.to}`);
            if (alert.to === 'reviewer') {
              for (const copy of ['stand-in', 'informed'] as const) {
                const delegation = { copy, reviewerName: 'Rita Reviewer', delegateName: 'Rob Reviewer', until: '2026-12-04T17:00:00.000Z' };
                assertSendable(renderAlert(alert, viewerFor(locale, role), undefined, delegation), `${kind} to ${alert.to}, ${copy}`);
              }
            }
          }
        }
      });

      it('the consent notice: open, confirming, opted out, closed', function () {
        const approved = claims.get('Approved')!;
        const viewer = viewerFor(locale, 'customer');
        for (const options of [{}, { confirming: true }, { outcome: 'opted-out' as const }, { outcome: 'closed' as const }]) {
          assertSendable(renderConsentNotice(approved, viewer, options), `consent ${JSON.stringify(options)}`);
        }
        assertSendable(renderConsentNotice(claims.get('OptedOut')!, viewer), 'consent after opt-out');
        assertSendable(renderConsentNotice(claims.get('Associated')!, viewer), 'consent after the window');
      });

      it('messages, errors, welcome and help for every mix of roles', function () {
        const viewer = viewerFor(locale);
        assertSendable(renderMessage('Title', 'Text'), 'message');
        assertSendable(renderMessage('', 'Text'), 'message without title');
        assertSendable(renderError(viewer.translator.t('errors.not-found', { claimId: 'CPOR-2026-000001' }), viewer), 'error');
        const mixes: Role[][] = [[], ['incentives-admin'], ['billing-admin'], ['reviewer'], ['incentives-user', 'reviewer']];
        for (const roles of mixes) {
          assertSendable(renderWelcome(viewer, roles), `welcome ${roles.join('+')}`);
          assertSendable(renderHelp(viewer, roles), `help ${roles.join('+')}`);
        }
      });
    });
  }

  /** The recorded alerts of `kind`, or, for kinds only timers and other journeys cause, one built from a snapshot. */
  function alertsOf(kind: AlertKind): Alert[] {
    const recorded = alerts.filter((alert) => alert.kind === kind);
    if (recorded.length) return recorded;
    const template = alerts.find((alert) => alert.kind === 'approved')!;
    const rejected = claims.get('Rejected')!;
    return [
      {
        ...template,
        id: `synthetic-${kind}`,
        kind,
        to: AUDIENCE[kind],
        data: {
          ...template.data,
          rejection: rejected.rejection,
          informationRequest: claims.get('PartnerActionRequired')!.informationRequest,
          competingWith: ['CPOR-2026-000099'],
          commentText: 'Please check page 3.',
          commentBy: 'Pat Partner',
          deadlineName: kind === 'deadline-near' ? 'partnerResponse' : 'reviewDecision',
          deadline: '2026-11-30T09:00:00.000Z',
          assignedBy: 'Rob Reviewer',
          previousReviewer: 'Rita Reviewer',
          newReviewer: 'Rob Reviewer',
          detailChanges: [
            { field: 'workloads', from: 'Teams', to: 'Teams, Exchange' },
            { field: 'subscriptionId', to: '66666666-6666-4666-8666-666666666666' },
          ],
          poeAdded: ['signed-acknowledgement.pdf'],
        },
      },
    ];
  }
});

const AUDIENCE: Record<AlertKind, AlertAudience> = {
  'claim-submitted': 'reviewers',
  'claim-resubmitted': 'reviewers',
  'claim-disputed': 'reviewers',
  'submission-receipt': 'partner',
  'review-started': 'partner',
  'information-requested': 'partner',
  'deadline-near': 'partner',
  'review-sla-near': 'reviewers',
  'review-sla-overdue': 'reviewers',
  approved: 'partner',
  'consent-notice': 'customer',
  'customer-opted-out': 'partner',
  'opt-out-confirmation': 'customer',
  associated: 'partner',
  rejected: 'partner',
  'new-comment': 'reviewers',
  'poe-prechecked': 'partner',
  'claim-assigned': 'reviewer',
  'claim-unassigned': 'reviewer',
  'information-escalated': 'partner-admins',
};

/** A claim at `stage` whose one file the marker checker read: some checks met, some not. */
async function prechecked(harness: Harness, stage: Stage, details: Partial<ClaimDetails>): Promise<Claim> {
  const claim = await claimAt(harness, stage, details);
  const work = (await harness.service.precheckWork(claim.id, 'marker-1'))!;
  const report = await new MarkerChecker(harness.clock).check(
    { name: 'scan.pdf', contentType: 'application/pdf', bytes: textPdf('Contoso Partners for fabrikam.onmicrosoft.com', 'Teams rollout, 2023-01-05') },
    work.facts,
  );
  await harness.service.recordPrecheck(claim.id, work.files[0]!.id, report, work.factsDigest);
  return harness.service.get(reviewer(), claim.id);
}

describe('claim card content', function () {
  let harness: Harness;
  before(async function () {
    harness = await createHarness();
  });
  after(async function () {
    await harness.cleanup();
  });

  it('offers each role the actions the service accepts now, and none to observers', async function () {
    const cardAs = (claim: Claim, role: Viewer['role']) =>
      renderClaimCard(claim, viewerFor('en', role, harness.clock.now()), { allowed: harness.service.allowedActions(actorIn(role), claim) });
    const submitted = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
    assert.deepEqual(verbsOf(cardAs(submitted, 'reviewer')).sort(), ['comment', 'startReview']);
    assert.deepEqual(verbsOf(cardAs(submitted, 'partner')).sort(), ['comment', 'edit', 'withdraw']);
    assert.deepEqual(verbsOf(cardAs(submitted, 'observer')), []);
    const inReview = await harness.service.startReview(reviewer(), submitted.id, submitted.version);
    assert.deepEqual(verbsOf(cardAs(inReview, 'reviewer')).sort(), ['approve', 'comment', 'reject', 'requestInformation']);
    const requested = await harness.service.requestInformation(reviewer(), inReview.id, inReview.version, {
      reasons: ['missing-products'],
      comment: 'Which products?',
    });
    const partnerCard = cardAs(requested, 'partner');
    assert.deepEqual(verbsOf(partnerCard).sort(), ['comment', 'respond', 'resubmit', 'withdraw']);
    assert.match(textOf(partnerCard), /Missing products/);
    assert.match(textOf(partnerCard), /Which products\?/);
    const disputed = await claimAt(harness, 'Disputed', m365Details({ workloads: ['Intune'] }));
    assert.deepEqual(verbsOf(cardAs(disputed, 'reviewer')).sort(), ['comment', 'decideDispute']);
    const rejected = await claimAt(harness, 'Rejected', m365Details({ workloads: ['Viva'] }));
    assert.ok(verbsOf(cardAs(rejected, 'partner')).includes('dispute'));
  });

  it('shows deadlines in the reader zone and language, and the refresh only for listed users (60 at most)', async function () {
    const claim = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Exchange'] }));
    const due = claim.deadlines.reviewStart!;
    const viewer: Viewer = { ...viewerFor('sv', 'reviewer'), timeZone: 'America/New_York' };
    const allowed = harness.service.allowedActions(reviewer(), claim);
    const card = renderClaimCard(claim, viewer, { allowed, refreshUserIds: Array.from({ length: 70 }, (_, index) => `29:u${index}`) });
    assert.match(textOf(card), new RegExp(viewer.translator.formatInstant(due, 'America/New_York').replace(/[()]/g, '.')));
    assert.match(textOf(card), /Skickad/);
    const refresh = card.refresh as { action: { verb: string; data: unknown }; userIds: string[] };
    assert.equal(refresh.action.verb, 'refreshClaim');
    assert.deepEqual(refresh.action.data, { claimId: claim.id, version: claim.version });
    assert.equal(refresh.userIds.length, 60);
    assert.equal(renderClaimCard(claim, viewer, { allowed }).refresh, undefined);
  });

  it('the consent notice says who, what, what they will see, no action needed, and until when', async function () {
    const claim = await claimAt(harness, 'Approved', m365Details({ workloads: ['SharePoint'] }));
    const card = renderConsentNotice(claim, viewerFor('es', 'customer'));
    const text = textOf(card);
    assert.match(text, /Contoso Partners \(PartnerID 4512345\)/);
    assert.match(text, /SharePoint/);
    assert.match(text, /No necesita hacer nada/);
    assert.match(text, /datos de uso/);
    assert.deepEqual(verbsOf(card), ['optOut']);
    const confirming = renderConsentNotice(claim, viewerFor('es', 'customer'), { confirming: true });
    const confirm = executeActions(confirming).find((action) => action.verb === 'optOut')!;
    assert.deepEqual(confirm.data, { claimId: claim.id, version: claim.version, confirmed: true });
    assert.deepEqual(verbsOf(renderConsentNotice(claim, viewerFor('es', 'customer'), { outcome: 'opted-out' })), []);
  });

  it('the review queue lists oldest first with overdue, competing and own-organisation markers', async function () {
    const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Windows'] }));
    harness.clock.advance(3_600_000);
    const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Windows'], partnerId: '7700001' }), otherPartner());
    harness.clock.advance(8 * 24 * 3_600_000);
    const items = await harness.service.reviewQueue(reviewer());
    const card = renderReviewQueue([...items].reverse(), viewerFor('en', 'reviewer'));
    const text = textOf(card);
    assert.ok(text.indexOf(first.id) < text.indexOf(second.id), 'oldest first');
    assert.match(text, /Overdue/);
    assert.match(text, /Competing claim/);
  });

  it("lists say when they were produced, in the reader's zone, and can be refreshed", async function () {
    const claim = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Microsoft 365 Apps'] }));
    const at = new Date('2026-11-24T08:30:00.000Z');
    const viewer: Viewer = { ...viewerFor('en', 'partner', at), timeZone: 'Europe/Stockholm' };
    const list = renderClaimList({ total: 1, claims: [claim] }, viewer);
    assert.match(textOf(list), /As of Nov 24, 2026, 09:30 AM GMT\+1/);
    const buttons = (list.actions ?? []) as { title?: string; data?: unknown }[];
    const refresh = buttons.find((button) => button.title === 'Refresh');
    assert.ok(refresh, 'the list has a Refresh button');
    assert.match(JSON.stringify(refresh.data), /my claims/);
    const queue = renderReviewQueue(await harness.service.reviewQueue(reviewer()), { ...viewerFor('sv', 'reviewer', at), timeZone: 'UTC' });
    assert.match(textOf(queue), /Uppdaterad 24 nov\. 2026 08:30/);
  });

  it('shows where the claim is on its way: steps done, the current one with its deadline, what comes next', async function () {
    const en = translatorFor('en');
    const progressOf = (claim: Claim, locale: Locale = 'en') => {
      const t = translatorFor(locale);
      const prefix = t.t('cards.claim.progress', { steps: '' });
      const line = cardStrings(renderClaimCard(claim, viewerFor(locale), { allowed: new Set() })).find((text) => text.startsWith(prefix));
      assert.ok(line, `a progress line in ${locale}`);
      return line.slice(prefix.length);
    };
    const fresh = (n: number) => `5${n}5${n}5${n}5${n}-5555-4555-8555-555555555555`;
    const submitted = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'], customerTenantId: fresh(1) }));
    const until = en.t('cards.claim.progressUntil', { step: 'Submitted', deadline: en.formatInstant(submitted.deadlines.reviewStart!, 'Europe/Stockholm') });
    assert.equal(progressOf(submitted), `✓ Editing → ▶ ${until} → Under review → Approved → Consent period open → Sent for incentive assessment`);
    const asked = await claimAt(harness, 'PartnerActionRequired', m365Details({ workloads: ['Teams'], customerTenantId: fresh(2) }));
    assert.match(progressOf(asked), /^✓ Editing → ✓ Submitted → ✓ Under review → ▶ Partner action required \(until .+\) → Approved → /);
    const approved = await claimAt(harness, 'Approved', m365Details({ workloads: ['Teams'], customerTenantId: fresh(3) }));
    const es = translatorFor('es');
    assert.ok(progressOf(approved, 'es').includes(`✓ ${es.t('claims.status.Approved')} → ▶ `), progressOf(approved, 'es'));
  });

  it('previews an image PoE on the card through its signed link, and only links other types', async function () {
    const { claim } = (await harness.service.reviewQueue(reviewer()))[0]!;
    const file = (id: string, name: string, contentType: string) => ({
      id,
      name,
      contentType,
      size: 2048,
      sha256: 'a'.repeat(64),
      storagePath: `poe/${claim.id}/${id}`,
      uploadedBy: 'user-1',
      uploadedAt: claim.statusSince,
    });
    const withFiles: Claim = { ...claim, poe: [file('f1', 'signed.png', 'image/png'), file('f2', 'ack.pdf', 'application/pdf')] };
    const links = { f1: 'https://bot.example/poe/one', f2: 'https://bot.example/poe/two' };
    const images = (card: AdaptiveCard) => JSON.stringify(card).match(/\{"type":"Image"[^{}]*/g) ?? [];
    const shown = images(renderClaimCard(withFiles, viewerFor('en', 'reviewer'), { allowed: new Set(), poeLinks: links }));
    assert.equal(shown.length, 1, 'one preview: the PNG');
    assert.match(shown[0]!, /"url":"https:\/\/bot\.example\/poe\/one"/);
    assert.match(shown[0]!, /"altText":"signed\.png"/);
    const text = JSON.stringify(renderClaimCard(withFiles, viewerFor('en', 'reviewer'), { allowed: new Set(), poeLinks: links }));
    assert.ok(text.includes('(https://bot.example/poe/two)'), 'the PDF is a link');
    assert.deepEqual(images(renderClaimCard(withFiles, viewerFor('en', 'reviewer'), { allowed: new Set() })), [], 'no link, no preview');
  });

  it('keeps a claim id on one line in lists and the queue', async function () {
    const queue = await harness.service.reviewQueue(reviewer());
    const { claim } = queue[0]!;
    for (const card of [renderClaimList({ total: 1, claims: [claim] }, viewerFor('sv')), renderReviewQueue(queue, viewerFor('sv', 'reviewer'))]) {
      const blocks = JSON.stringify(card).match(new RegExp(`\\{[^{}]*"text":"${claim.id}"[^{}]*\\}`, 'g')) ?? [];
      assert.ok(blocks.length > 0, 'the id is shown');
      for (const block of blocks) assert.equal((JSON.parse(block) as { wrap?: boolean }).wrap, false, block);
    }
  });

  it('counts in words that agree with the number: "1 claim.", "2 claims", never "1 of 1 claims"', async function () {
    const one = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Entra ID P1'] }));
    const two = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Entra ID P2'] }));
    assert.match(textOf(renderClaimList({ total: 1, claims: [one] }, viewerFor('en'))), /1 claim\./);
    assert.doesNotMatch(textOf(renderClaimList({ total: 1, claims: [one] }, viewerFor('en'))), /1 of 1/);
    // The program by the same name the dialog and the alerts use, not its code.
    assert.match(textOf(renderClaimList({ total: 1, claims: [one] }, viewerFor('en'))), /OSU-Microsoft 365 \(Online Services Usage\) · /);
    assert.match(textOf(renderClaimList({ total: 2, claims: [one, two] }, viewerFor('en'))), /2 claims, most recently changed first/);
    assert.match(textOf(renderClaimList({ total: 1, claims: [one] }, viewerFor('es'))), /1 notificación\./);
    assert.match(textOf(renderHistory(one, one.history.slice(0, 1), viewerFor('it'))), /1 voce\./);
    const queue = await harness.service.reviewQueue(reviewer());
    assert.match(textOf(renderReviewQueue(queue.slice(0, 1), viewerFor('sv', 'reviewer'))), /1 väntande anspråk; \d+ försenade\./);
    assert.match(textOf(renderReviewQueue(queue.slice(0, 2), viewerFor('en', 'reviewer'))), /2 claims waiting, oldest first/);
  });
});
