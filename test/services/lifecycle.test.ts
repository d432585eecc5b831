import assert from 'node:assert/strict';
import { PARTNER_ROLES, type ActingRole, type Actor, type Role } from '../../services/actor.js';
import type { ClaimService } from '../../services/claimService.js';
import { DomainError, type ErrorCode } from '../../services/errors.js';
import { TRANSITIONS, type Action, type AlertEffect, type Party, type TransitionRow } from '../../services/lifecycle.js';
import type { AlertAudience, Claim, ClaimDocument, ConsentPhase, DeadlineName, RejectionReason, Status } from '../../services/model.js';
import { createPolicy, type PolicyName } from '../../services/policy.js';
import {
  OTHER_CUSTOMER_TENANT,
  claimAt,
  createHarness,
  customer,
  otherPartner,
  ownOrganisationReviewer,
  partner,
  poeFile,
  reviewer,
  type Harness,
  type Stage,
} from '../support/serviceHarness.js';

// The lifecycle of SPEC section 3, row by row. The expected rows below are written from the SPEC
// (and the intended role rules), not copied from services/lifecycle.ts; the first test checks that
// they and TRANSITIONS describe the same machine, the rest drive real claims through every row, as
// every role, and check what changed (or that nothing did).

// ---- the SPEC's transition table, as this test expects it ---------------------------------------

const EDITORS: readonly Role[] = ['incentives-admin', 'incentives-user', 'global-admin'];
const MANAGERS: readonly Role[] = ['incentives-admin', 'billing-admin', 'global-admin'];
const ALL_PARTNER_ROLES: readonly Role[] = [...PARTNER_ROLES];

const REJECT_REASON: RejectionReason = 'missing-products';
/** The reason claimAt rejects with, kept through a dispute. */
const CLAIM_AT_REJECTION: RejectionReason = 'insufficient-poe';
const NEW_PARTNER_CONTACT = { name: 'Pat Partner', email: 'pat.partner@contoso.com' };

type Run = (service: ClaimService, actor: Actor, claimId: string, version: number) => Promise<unknown>;

interface Scenario {
  action: Action;
  /** The service method (and input) that takes the action. */
  call: string;
  from: readonly Stage[];
  to: Status | 'same' | 'deleted';
  parties: readonly Party[];
  /** Partner and reviewer roles that may act; empty for the customer. */
  roles: readonly Role[];
  consentPhase?: ConsentPhase;
  /** `fixed`: the row itself names the reason (else it comes from input or the earlier rejection). */
  rejection?: { reason: RejectionReason; final: boolean; fixed: boolean };
  /** A rejection the row leaves on the claim without setting it (a dispute keeps what it disputes). */
  keptRejection?: { reason: RejectionReason; final: boolean };
  startTimers: readonly DeadlineName[];
  alerts: readonly AlertEffect[];
  /** Alerts the command records to named people beyond the row's (a reassignment's). */
  extraAlerts?: readonly { kind: string; to: AlertAudience }[];
  policy?: PolicyName;
  run: Run;
  /** Extra checks of the command's own effect. */
  effect?: (before: Claim, after: Claim, actor: Actor) => void;
}

const RECEIPT: AlertEffect = { kind: 'submission-receipt', to: 'partner' };
const APPROVAL_ALERTS: readonly AlertEffect[] = [
  { kind: 'approved', to: 'partner' },
  { kind: 'consent-notice', to: 'customer', consentNoticeAt: 'approval' },
];

const SCENARIOS: readonly Scenario[] = [
  {
    action: 'edit',
    call: 'update',
    from: ['Draft'],
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.update(actor, id, version, { partnerContact: NEW_PARTNER_CONTACT }),
    effect: (_before, after) => assert.deepEqual(after.details.partnerContact, NEW_PARTNER_CONTACT),
  },
  {
    action: 'addPoe',
    call: 'addPoe',
    from: ['Draft'],
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.addPoe(actor, id, version, poeFile('second-proof.pdf')),
    effect: checkPoeAdded,
  },
  {
    action: 'submit',
    call: 'submit',
    from: ['Draft'],
    to: 'Submitted',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: ['reviewStart'],
    alerts: [{ kind: 'claim-submitted', to: 'reviewers' }, RECEIPT, { kind: 'consent-notice', to: 'customer', consentNoticeAt: 'submission' }],
    run: (service, actor, id, version) => service.submit(actor, id, version),
    effect: (before, after) => {
      assert.equal(before.submittedAt, undefined);
      assert.equal(after.submittedAt, after.updatedAt);
    },
  },
  {
    action: 'discard',
    call: 'discard',
    from: ['Draft'],
    to: 'deleted',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.discard(actor, id, version),
  },
  {
    action: 'edit',
    call: 'update',
    from: ['Submitted', 'PartnerActionRequired'],
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.update(actor, id, version, { partnerContact: NEW_PARTNER_CONTACT }),
    effect: (before, after) => {
      assert.deepEqual(after.details.partnerContact, NEW_PARTNER_CONTACT);
      assert.deepEqual(after.deadlines, before.deadlines, 'an edit does not restart timers');
    },
  },
  {
    action: 'addPoe',
    call: 'addPoe',
    from: ['Submitted', 'PartnerActionRequired'],
    to: 'same',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.addPoe(actor, id, version, poeFile('second-proof.pdf')),
    effect: checkPoeAdded,
  },
  {
    action: 'startReview',
    call: 'startReview',
    from: ['Submitted'],
    to: 'InReview',
    parties: ['reviewer'],
    roles: ['reviewer'],
    startTimers: ['reviewDecision'],
    alerts: [{ kind: 'review-started', to: 'partner' }],
    run: (service, actor, id, version) => service.startReview(actor, id, version),
  },
  {
    action: 'requestInformation',
    call: 'requestInformation',
    from: ['InReview'],
    to: 'PartnerActionRequired',
    parties: ['reviewer'],
    roles: ['reviewer'],
    startTimers: ['partnerResponse'],
    alerts: [{ kind: 'information-requested', to: 'partner' }],
    run: (service, actor, id, version) =>
      service.requestInformation(actor, id, version, {
        reasons: ['missing-products', 'missing-or-old-dates'],
        comment: 'Please list the products and date the document.',
      }),
    effect: (_before, after) => {
      assert.deepEqual(after.informationRequest?.reasons, ['missing-products', 'missing-or-old-dates']);
      assert.equal(after.informationRequest?.comment, 'Please list the products and date the document.');
    },
  },
  {
    action: 'approve',
    call: 'approve',
    from: ['InReview'],
    to: 'Approved',
    parties: ['reviewer'],
    roles: ['reviewer'],
    consentPhase: 'window-open',
    startTimers: ['consentWindow'],
    alerts: APPROVAL_ALERTS,
    run: (service, actor, id, version) => service.approve(actor, id, version, { comment: 'Looks good.' }),
  },
  {
    action: 'reject',
    call: 'reject',
    from: ['InReview'],
    to: 'Rejected',
    parties: ['reviewer'],
    roles: ['reviewer'],
    rejection: { reason: REJECT_REASON, final: false, fixed: false },
    startTimers: ['disputeWindow'],
    alerts: [{ kind: 'rejected', to: 'partner' }],
    run: (service, actor, id, version) => service.reject(actor, id, version, { reason: REJECT_REASON, comment: 'No products are named.' }),
  },
  {
    action: 'resubmit',
    call: 'resubmit',
    from: ['PartnerActionRequired'],
    to: 'InReview',
    parties: ['partner'],
    roles: EDITORS,
    startTimers: ['reviewDecision'],
    alerts: [{ kind: 'claim-resubmitted', to: 'reviewers' }, RECEIPT],
    run: (service, actor, id, version) => service.resubmit(actor, id, version, { comment: 'Signed copy attached.' }),
    effect: (_before, after) => assert.equal(after.informationRequest, undefined),
  },
  {
    action: 'withdraw',
    call: 'withdraw',
    from: ['Submitted', 'InReview', 'PartnerActionRequired'],
    to: 'Rejected',
    parties: ['partner'],
    roles: MANAGERS,
    rejection: { reason: 'partner-request', final: true, fixed: true },
    startTimers: [],
    alerts: [],
    run: (service, actor, id, version) => service.withdraw(actor, id, version, { comment: 'Filed by mistake.' }),
  },
  {
    // Every status the later articles let the customer decline from; the seed window is in guards.
    action: 'optOut',
    call: 'optOut',
    from: ['Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Associated', 'Disputed'],
    to: 'Rejected',
    parties: ['customer'],
    roles: [],
    rejection: { reason: 'customer-declined', final: true, fixed: true },
    startTimers: [],
    alerts: [
      { kind: 'customer-opted-out', to: 'partner' },
      { kind: 'opt-out-confirmation', to: 'customer' },
    ],
    policy: 'partner-center-2023',
    run: (service, actor, id, version) => service.optOut(actor, id, version),
  },
  {
    action: 'requestInformation',
    call: 'requestInformation',
    from: ['Disputed'],
    to: 'PartnerActionRequired',
    parties: ['reviewer'],
    roles: ['reviewer'],
    startTimers: ['partnerResponse'],
    alerts: [{ kind: 'information-requested', to: 'partner' }],
    policy: 'partner-center-2023',
    run: (service, actor, id, version) =>
      service.requestInformation(actor, id, version, { reasons: ['missing-customer-acknowledgement'], comment: 'Sign page 3.' }),
    effect: (_before, after) => assert.equal(after.rejection, undefined),
  },
  {
    action: 'dispute',
    call: 'dispute',
    from: ['Rejected'],
    to: 'Disputed',
    parties: ['partner'],
    roles: MANAGERS,
    // The rejection being disputed stays on the claim.
    keptRejection: { reason: CLAIM_AT_REJECTION, final: false },
    startTimers: ['disputeDecision'],
    alerts: [{ kind: 'claim-disputed', to: 'reviewers' }, RECEIPT],
    run: (service, actor, id, version) => service.dispute(actor, id, version, { justification: 'The acknowledgement is on page 3.' }),
    effect: (before, after) => assert.equal(after.disputesUsed, before.disputesUsed + 1),
  },
  {
    action: 'overturn',
    call: 'decideDispute({ outcome: overturn })',
    from: ['Disputed'],
    to: 'Approved',
    parties: ['reviewer'],
    roles: ['reviewer'],
    consentPhase: 'window-open',
    startTimers: ['consentWindow'],
    alerts: APPROVAL_ALERTS,
    run: (service, actor, id, version) => service.decideDispute(actor, id, version, { outcome: 'overturn' }),
    effect: (_before, after) => assert.equal(after.rejection, undefined),
  },
  {
    action: 'uphold',
    call: 'decideDispute({ outcome: uphold })',
    from: ['Disputed'],
    to: 'Rejected',
    parties: ['reviewer'],
    roles: ['reviewer'],
    // Rejected (final) for the reason first given.
    rejection: { reason: CLAIM_AT_REJECTION, final: true, fixed: false },
    startTimers: [],
    alerts: [{ kind: 'rejected', to: 'partner' }],
    run: (service, actor, id, version) => service.decideDispute(actor, id, version, { outcome: 'uphold', comment: 'Page 3 is unsigned.' }),
  },
  {
    action: 'disassociate',
    call: 'disassociate',
    from: ['Approved', 'Associated'],
    to: 'Rejected',
    parties: ['partner'],
    roles: MANAGERS,
    rejection: { reason: 'partner-disassociated', final: true, fixed: true },
    startTimers: [],
    alerts: [],
    policy: 'partner-center-2023',
    run: (service, actor, id, version) => service.disassociate(actor, id, version, { reason: 'The customer moved to another partner.' }),
  },
  {
    action: 'reassign',
    call: 'reassign',
    from: ['Submitted', 'InReview', 'PartnerActionRequired', 'Disputed'],
    to: 'same',
    parties: ['reviewer'],
    roles: ['reviewer'],
    startTimers: [],
    alerts: [],
    // The acting reviewer started the review (or nobody had): only the new assignee is told.
    extraAlerts: [{ kind: 'claim-assigned', to: 'reviewer' }],
    run: (service, actor, id, version) => service.reassign(actor, id, version, { assignee: reviewer('reviewer-2') }),
    effect: (before, after) => {
      assert.equal(after.assignedReviewer?.userId, 'reviewer-2');
      assert.deepEqual(after.history.at(-1)?.changes, [
        { field: 'assignedReviewer', ...(before.assignedReviewer ? { from: before.assignedReviewer } : {}), to: after.assignedReviewer },
      ]);
    },
  },
  {
    action: 'comment',
    call: 'comment',
    from: ['Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Associated', 'Rejected', 'Disputed'],
    to: 'same',
    parties: ['partner', 'reviewer'],
    roles: [...ALL_PARTNER_ROLES, 'reviewer'],
    startTimers: [],
    alerts: [{ kind: 'new-comment', to: 'other-side' }],
    run: (service, actor, id, version) => service.comment(actor, id, version, { text: 'A note on this claim.' }),
    effect: (before, after, actor) => {
      assert.equal(after.comments.length, before.comments.length + 1);
      const added = after.comments.at(-1);
      assert.equal(added?.text, 'A note on this claim.');
      assert.equal(added?.authorId, actor.userId);
      assert.equal(added?.side, actor.roles.includes('reviewer') ? 'reviewer' : 'partner');
      assert.deepEqual(after.deadlines, before.deadlines, 'a comment does not restart timers');
    },
  },
];

function checkPoeAdded(before: Claim, after: Claim, actor: Actor): void {
  assert.equal(after.poe.length, before.poe.length + 1);
  const added = after.poe.at(-1);
  assert.equal(added?.name, 'second-proof.pdf');
  assert.equal(added?.uploadedBy, actor.userId);
}

// ---- who acts --------------------------------------------------------------------------------

interface ActorCase {
  label: string;
  make: (claim: Claim) => Actor;
  /** The role history records. */
  role: ActingRole;
}

interface RefusedCase extends ActorCase {
  code: ErrorCode;
}

const customerOf = (claim: Claim): Actor => customer(claim.details.customerTenantId);
const isCustomerAction = (scenario: Scenario) => scenario.parties.includes('customer');
const isReviewerAction = (scenario: Scenario) => scenario.parties.includes('reviewer');
const isPartnerAction = (scenario: Scenario) => scenario.parties.includes('partner');

function allowedActors(scenario: Scenario): ActorCase[] {
  const cases: ActorCase[] = [];
  for (const role of scenario.roles) {
    if (role === 'reviewer') cases.push({ label: 'a reviewer', make: () => reviewer(), role: 'reviewer' });
    else cases.push({ label: `the partner's ${role}`, make: () => partner(role), role });
  }
  if (isReviewerAction(scenario) && isPartnerAction(scenario)) {
    // Only deciding is barred to a reviewer of the claim's own organisation; talking is not.
    cases.push({ label: "a reviewer of the claim's own organisation", make: () => ownOrganisationReviewer(), role: 'reviewer' });
  }
  if (isCustomerAction(scenario)) {
    cases.push({ label: "a user of the claim's customer tenant", make: customerOf, role: 'customer' });
    cases.push({
      label: 'a customer-tenant user who also holds a partner role (roles are irrelevant)',
      make: (claim) => ({ ...customerOf(claim), userId: 'customer-global-admin', roles: ['global-admin'] }),
      role: 'customer',
    });
  }
  return cases;
}

function refusedActors(scenario: Scenario): RefusedCase[] {
  const cases: RefusedCase[] = [];
  const customerAction = isCustomerAction(scenario);
  // The claim's own partner users and reviewers lack the role for an opt-out; only strangers to
  // the claim are of the wrong tenant.
  const lacking: ErrorCode = 'not-allowed';
  for (const role of PARTNER_ROLES) {
    if (scenario.roles.includes(role)) continue;
    cases.push({ label: `the partner's ${role}`, make: () => partner(role), role, code: lacking });
  }
  if (!scenario.roles.includes('reviewer')) {
    cases.push({ label: 'a reviewer', make: () => reviewer(), role: 'reviewer', code: lacking });
    cases.push({
      label: "a reviewer of the claim's own organisation",
      make: () => ownOrganisationReviewer(),
      role: 'reviewer',
      code: lacking,
    });
  } else if (!isPartnerAction(scenario)) {
    cases.push({
      label: "a reviewer of the claim's own organisation",
      make: () => ownOrganisationReviewer(),
      role: 'reviewer',
      code: 'own-organisation',
    });
  }
  for (const role of PARTNER_ROLES) {
    // Any partner role of another organisation is the wrong tenant for a partner action (and an
    // opt-out); for a reviewer action no partner role is enough.
    const code: ErrorCode = isPartnerAction(scenario) || customerAction ? 'wrong-tenant' : 'not-allowed';
    cases.push({ label: `another organisation's ${role}`, make: () => otherPartner(role), role, code });
  }
  if (!customerAction) {
    cases.push({ label: "a user of the claim's customer tenant", make: customerOf, role: 'customer', code: 'not-allowed' });
  }
  cases.push({
    label: 'a user of another customer tenant',
    make: () => customer(OTHER_CUSTOMER_TENANT),
    role: 'customer',
    code: customerAction ? 'wrong-tenant' : 'not-allowed',
  });
  return cases;
}

// ---- helpers ---------------------------------------------------------------------------------

const ALL_STAGES: readonly Stage[] = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Associated', 'Rejected', 'Disputed'];
const statusOf = (stage: Stage): Status => (stage === 'Associated' ? 'Approved' : stage);

let harnesses: Harness[] = [];

afterEach(async () => {
  const open = harnesses;
  harnesses = [];
  await Promise.all(open.map((harness) => harness.cleanup()));
});

/** A fresh store with one claim brought to `stage` (a store per claim: no duplicates, no shared timers). */
async function fixture(stage: Stage, policy?: PolicyName): Promise<{ harness: Harness; document: ClaimDocument }> {
  const harness = await createHarness({ policy });
  harnesses.push(harness);
  const claim = await claimAt(harness, stage);
  const document = await load(harness, claim.id);
  assert.equal(document.claim.status, statusOf(stage));
  assert.equal(document.claim.consentPhase, stage === 'Associated' ? 'associated' : stage === 'Approved' ? 'window-open' : undefined);
  return { harness, document };
}

async function load(harness: Harness, claimId: string): Promise<ClaimDocument> {
  const document = await harness.repository.get(claimId);
  assert.ok(document, `claim ${claimId} is stored`);
  return document;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `expected a DomainError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

async function assertUnchanged(harness: Harness, before: ClaimDocument): Promise<void> {
  const after = await load(harness, before.claim.id);
  assert.equal(after.claim.version, before.claim.version);
  assert.equal(after.claim.history.length, before.claim.history.length);
  assert.deepEqual(after.outbox, before.outbox);
  assert.deepEqual(after.claim, before.claim);
}

const sideAudience = (role: ActingRole): AlertAudience => (role === 'reviewer' ? 'partner' : 'reviewers');

function expectedAlerts(scenario: Scenario, role: ActingRole): { kind: string; to: AlertAudience }[] {
  const noticeAt = createPolicy({ ...(scenario.policy ? { name: scenario.policy } : {}) }).consentNoticeAt;
  return [
    ...scenario.alerts
      .filter((alert) => !alert.consentNoticeAt || alert.consentNoticeAt === noticeAt)
      .map((alert) => ({ kind: alert.kind, to: alert.to === 'other-side' ? sideAudience(role) : alert.to })),
    ...(scenario.extraAlerts ?? []),
  ];
}

function expectedConsentPhase(scenario: Scenario, before: Claim): ConsentPhase | undefined {
  if (scenario.consentPhase) return scenario.consentPhase;
  if (scenario.to === 'same' || scenario.to === 'Approved') return before.consentPhase;
  return undefined;
}

const sorted = <T>(values: readonly T[]): T[] => [...values].sort();

// ---- the tests -------------------------------------------------------------------------------

describe('claim lifecycle (SPEC section 3)', function () {
  this.timeout(30_000);

  describe('the transition table', () => {
    const rows = TRANSITIONS.filter((row) => !row.parties.includes('system'));
    const statusesOf = (scenario: Scenario) => sorted([...new Set(scenario.from.map(statusOf))]);
    const matching = (row: TransitionRow) =>
      SCENARIOS.filter(
        (scenario) => scenario.action === row.action && JSON.stringify(statusesOf(scenario)) === JSON.stringify(sorted(row.from.map((match) => match.status))),
      );

    it('has one row, as SPEC describes it, for every scenario and a scenario for every non-system row', () => {
      assert.equal(rows.length, SCENARIOS.length);
      for (const row of rows) {
        const found = matching(row);
        assert.equal(found.length, 1, `one scenario for ${row.action} from ${row.from.map((m) => m.status).join('/')}`);
        const scenario = found[0]!;
        const label = `${row.action} from ${scenario.from.join('/')}`;
        assert.equal(row.to, scenario.to, `${label}: to`);
        assert.deepEqual(sorted(row.parties), sorted(scenario.parties), `${label}: parties`);
        assert.deepEqual(sorted(row.roles), sorted(scenario.roles), `${label}: roles`);
        assert.equal(row.consentPhase, scenario.consentPhase, `${label}: consent phase`);
        assert.deepEqual(
          row.rejection,
          scenario.rejection ? { ...(scenario.rejection.fixed ? { reason: scenario.rejection.reason } : {}), final: scenario.rejection.final } : undefined,
          `${label}: rejection`,
        );
        assert.deepEqual(sorted(row.startTimers), sorted(scenario.startTimers), `${label}: timers`);
        assert.deepEqual(row.alerts, scenario.alerts, `${label}: alerts`);
      }
    });
  });

  for (const scenario of SCENARIOS) {
    describe(`${scenario.action} (${scenario.call}) -> ${scenario.to}${scenario.policy ? ` [${scenario.policy}]` : ''}`, () => {
      for (const stage of scenario.from) {
        describe(`from ${stage}`, () => {
          for (const allowed of allowedActors(scenario)) {
            it(`succeeds for ${allowed.label}`, async () => {
              const { harness, document: before } = await fixture(stage, scenario.policy);
              const actor = allowed.make(before.claim);
              await scenario.run(harness.service, actor, before.claim.id, before.claim.version);

              if (scenario.to === 'deleted') {
                assert.equal(await harness.repository.get(before.claim.id), undefined);
                await rejectsWith(harness.service.get(actor, before.claim.id), 'not-found');
                return;
              }
              const after = await load(harness, before.claim.id);
              const claim = after.claim;
              const expectedStatus = scenario.to === 'same' ? before.claim.status : scenario.to;
              assert.equal(claim.status, expectedStatus);
              assert.equal(claim.consentPhase, expectedConsentPhase(scenario, before.claim));
              assert.equal(claim.version, before.claim.version + 1);

              assert.equal(claim.history.length, before.claim.history.length + 1);
              assert.deepEqual(claim.history.slice(0, -1), before.claim.history, 'history is append-only');
              const entry = claim.history.at(-1)!;
              assert.equal(entry.seq, before.claim.history.length + 1);
              assert.equal(entry.actorId, actor.userId);
              assert.equal(entry.actorTenantId, actor.tenantId);
              assert.equal(entry.role, allowed.role);
              assert.equal(entry.action, scenario.action);
              assert.equal(entry.fromStatus, before.claim.status);
              assert.equal(entry.toStatus, expectedStatus);
              assert.equal(entry.at, harness.clock.now().toISOString());

              if (scenario.to !== 'same') {
                assert.equal(claim.statusSince, harness.clock.now().toISOString());
                assert.deepEqual(sorted(Object.keys(claim.deadlines)), sorted(scenario.startTimers), 'deadlines');
              }
              const rejection = scenario.rejection ?? scenario.keptRejection;
              if (rejection) {
                assert.deepEqual({ reason: claim.rejection?.reason, final: claim.rejection?.final }, { reason: rejection.reason, final: rejection.final });
              } else if (scenario.to !== 'same') {
                assert.equal(claim.rejection, undefined);
              }

              assert.deepEqual(after.outbox.slice(0, before.outbox.length), before.outbox, 'earlier alerts untouched');
              const added = after.outbox.slice(before.outbox.length);
              assert.deepEqual(
                added.map((alert) => ({ kind: alert.kind, to: alert.to })),
                expectedAlerts(scenario, allowed.role),
              );
              for (const alert of added) {
                assert.equal(alert.claimId, claim.id);
                assert.equal(alert.claimVersion, claim.version);
                assert.equal(alert.state, 'pending');
              }
              scenario.effect?.(before.claim, claim, actor);
            });
          }

          for (const refused of refusedActors(scenario)) {
            it(`refuses ${refused.label} with ${refused.code}`, async () => {
              const { harness, document: before } = await fixture(stage, scenario.policy);
              const actor = refused.make(before.claim);
              await rejectsWith(scenario.run(harness.service, actor, before.claim.id, before.claim.version), refused.code);
              await assertUnchanged(harness, before);
            });
          }

          it('refuses an older or a newer version with stale-version', async () => {
            const { harness, document: before } = await fixture(stage, scenario.policy);
            const actor = allowedActors(scenario)[0]!.make(before.claim);
            const { id, version } = before.claim;
            await rejectsWith(scenario.run(harness.service, actor, id, version - 1), 'stale-version');
            await assertUnchanged(harness, before);
            await rejectsWith(scenario.run(harness.service, actor, id, version + 1), 'stale-version');
            await assertUnchanged(harness, before);
          });

          it('a repeated identical command (double click) changes nothing the second time', async () => {
            const { harness, document: before } = await fixture(stage, scenario.policy);
            const actor = allowedActors(scenario)[0]!.make(before.claim);
            const { id, version } = before.claim;
            await scenario.run(harness.service, actor, id, version);
            if (scenario.to === 'deleted') {
              await rejectsWith(scenario.run(harness.service, actor, id, version), 'not-found');
              assert.equal(await harness.repository.get(id), undefined);
              assert.equal(await harness.repository.count(), 0);
              return;
            }
            const afterFirst = await load(harness, id);
            assert.equal(afterFirst.claim.version, version + 1);
            await rejectsWith(scenario.run(harness.service, actor, id, version), 'stale-version');
            await assertUnchanged(harness, afterFirst);
          });
        });
      }
    });
  }

  describe('an action from a status not in its row', () => {
    const actions = [...new Set(SCENARIOS.map((scenario) => scenario.action))];
    for (const action of actions) {
      const rows = SCENARIOS.filter((scenario) => scenario.action === action);
      const covered = new Set(rows.flatMap((scenario) => scenario.from.map(statusOf)));
      const scenario = rows[0]!;
      for (const stage of ALL_STAGES.filter((candidate) => !covered.has(statusOf(candidate)))) {
        it(`${action} from ${stage} -> invalid-transition, nothing changes`, async () => {
          const { harness, document: before } = await fixture(stage, scenario.policy);
          const actor = allowedActors(scenario)[0]!.make(before.claim);
          await rejectsWith(scenario.run(harness.service, actor, before.claim.id, before.claim.version), 'invalid-transition');
          await assertUnchanged(harness, before);
        });
      }
    }
  });

  describe('the order of the checks: authorization, then version, then status', () => {
    const approve = SCENARIOS.find((scenario) => scenario.action === 'approve')!;

    it('a stale version on a claim in the wrong status is stale-version', async () => {
      const { harness, document: before } = await fixture('Submitted');
      await rejectsWith(approve.run(harness.service, reviewer(), before.claim.id, before.claim.version - 1), 'stale-version');
      await assertUnchanged(harness, before);
    });

    it('an actor without the role is not-allowed even with a stale version', async () => {
      const { harness, document: before } = await fixture('InReview');
      await rejectsWith(approve.run(harness.service, partner(), before.claim.id, before.claim.version - 1), 'not-allowed');
      await assertUnchanged(harness, before);
    });

    it('a partner of another organisation is wrong-tenant even with a stale version', async () => {
      const { harness, document: before } = await fixture('Submitted');
      await rejectsWith(harness.service.withdraw(otherPartner('incentives-admin'), before.claim.id, before.claim.version - 1), 'wrong-tenant');
      await assertUnchanged(harness, before);
    });

    it('an unknown claim id is not-found', async () => {
      const { harness, document: before } = await fixture('Submitted');
      await rejectsWith(harness.service.startReview(reviewer(), 'CPOR-2026-999999', 1), 'not-found');
      await assertUnchanged(harness, before);
    });
  });
});
