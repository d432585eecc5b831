import assert from 'node:assert/strict';
import { describeError } from '../../cards/i18n/errorMessages.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { renderHistory } from '../../cards/index.js';
import type { Actor } from '../../services/actor.js';
import { BusinessCalendar } from '../../services/businessCalendar.js';
import { DomainError, type ErrorCode } from '../../services/errors.js';
import type { Alert, ClaimDocument } from '../../services/model.js';
import { ReviewerDelegations } from '../../services/reviewers/delegations.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { claimAt, createHarness, m365Details, MONDAY, ownOrganisationReviewer, partner, poeFile, reviewer, type Harness } from '../support/serviceHarness.js';

// Issue 19, reviewer tools: reassignment, bulk decisions, the escalation of an unanswered request
// for information, out-of-office delegation and the structured resubmission, on the real claim
// service and store, each alert counted.

const en = translatorFor('en');
const named = (userId: string, displayName: string): Actor => ({ ...reviewer(userId), displayName });
const RITA = named('reviewer-1', 'Rita Reviewer');
const ROB = named('reviewer-2', 'Rob Reviewer');
const RAY = named('reviewer-3', 'Ray Reviewer');

async function refusedWith(promise: Promise<unknown>, code: ErrorCode, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `a DomainError, not ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(describeError(en, error), message);
    return true;
  });
}

function alertsOf(document: ClaimDocument | undefined, kind: Alert['kind']): Alert[] {
  return (document?.outbox ?? []).filter((alert) => alert.kind === kind);
}

/** A different customer tenant per claim, so claims are never duplicates of each other. */
let tenantSeq = 0;
const freshDetails = () => m365Details({ customerTenantId: `${(0x40000000 + (tenantSeq += 1)).toString(16)}-3333-4333-8333-333333333333` });

describe('reviewer tools (issue 19)', function () {
  this.timeout(30_000);
  let harness: Harness;

  beforeEach(async () => {
    harness = await createHarness();
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  describe('reassign', () => {
    it('the reviewer who starts the review is assigned; a handover records history and alerts the new and the previous assignee once each', async () => {
      const { service, repository } = harness;
      let claim = await claimAt(harness, 'Submitted', freshDetails());
      assert.equal(claim.assignedReviewer, undefined, 'nobody has a submitted claim');
      claim = await service.startReview(RITA, claim.id, claim.version);
      assert.deepEqual(claim.assignedReviewer, { userId: 'reviewer-1', tenantId: RITA.tenantId, name: 'Rita Reviewer' });

      // Rita hands it to Rob: Rob is told; Rita made the change, so she needs no alert.
      claim = await service.reassign(RITA, claim.id, claim.version, { assignee: ROB });
      assert.equal(claim.assignedReviewer?.userId, 'reviewer-2');
      let document = await repository.get(claim.id);
      let assigned = alertsOf(document, 'claim-assigned');
      assert.equal(assigned.length, 1);
      assert.equal(assigned[0]!.to, 'reviewer');
      assert.equal(assigned[0]!.data.reviewerId, 'reviewer-2');
      assert.equal(assigned[0]!.data.assignedBy, 'Rita Reviewer');
      assert.equal(assigned[0]!.data.previousReviewer, 'Rita Reviewer');
      assert.equal(alertsOf(document, 'claim-unassigned').length, 0);
      const entry = claim.history.at(-1)!;
      assert.equal(entry.action, 'reassign');
      assert.equal(entry.actorId, 'reviewer-1');
      assert.equal(entry.toStatus, 'InReview', 'the status stays');
      assert.deepEqual(entry.changes, [
        { field: 'assignedReviewer', from: { userId: 'reviewer-1', tenantId: RITA.tenantId, name: 'Rita Reviewer' }, to: claim.assignedReviewer },
      ]);

      // Ray, another reviewer, gives it back to Rita: Rita is told, and Rob, who had it, too.
      claim = await service.reassign(RAY, claim.id, claim.version, { assignee: RITA });
      document = await repository.get(claim.id);
      assigned = alertsOf(document, 'claim-assigned');
      const unassigned = alertsOf(document, 'claim-unassigned');
      assert.deepEqual(
        assigned.map((alert) => alert.data.reviewerId),
        ['reviewer-2', 'reviewer-1'],
      );
      assert.deepEqual(
        unassigned.map((alert) => [alert.data.reviewerId, alert.data.newReviewer]),
        [['reviewer-2', 'Rita Reviewer']],
      );

      // The history card says who handed it to whom, in people's names.
      const historyText = JSON.stringify(
        renderHistory(claim, claim.history, { userId: 'reviewer-3', role: 'reviewer', translator: en, timeZone: 'UTC', now: MONDAY }),
      );
      assert.ok(historyText.includes(en.t('cards.history.action.reassign')));
      assert.ok(
        historyText.includes(en.t('cards.history.fieldChange', { field: 'Reviewer', from: 'Rob Reviewer', to: 'Rita Reviewer' })),
        historyText.slice(0, 2000),
      );

      // The same click again (the version it saw) changes nothing and alerts nobody.
      await refusedWith(service.reassign(RAY, claim.id, claim.version - 1, { assignee: RITA }), 'stale-version', en.t('errors.stale-version'));
      const after = await repository.get(claim.id);
      assert.equal(after?.outbox.length, document?.outbox.length);
      assert.equal(after?.claim.history.length, document?.claim.history.length);
      assert.equal(new Set(after?.outbox.map((alert) => alert.dedupeKey)).size, after?.outbox.length, 'every alert once');
    });

    it('a reviewer who takes a claim themselves is not alerted; the reviewer who had it is', async () => {
      const { service, repository } = harness;
      let claim = await claimAt(harness, 'Submitted', freshDetails());
      claim = await service.startReview(ROB, claim.id, claim.version);
      claim = await service.reassign(RITA, claim.id, claim.version, { assignee: RITA });
      assert.equal(claim.assignedReviewer?.userId, 'reviewer-1');
      const document = await repository.get(claim.id);
      assert.deepEqual(alertsOf(document, 'claim-assigned'), []);
      assert.deepEqual(
        alertsOf(document, 'claim-unassigned').map((alert) => [alert.data.reviewerId, alert.data.newReviewer]),
        [['reviewer-2', 'Rita Reviewer']],
      );
    });

    it('refuses, with a message, whom the claim cannot go to and who cannot hand it over, and changes nothing', async () => {
      const { service, repository } = harness;
      const claim = await claimAt(harness, 'InReview', freshDetails());
      const before = await repository.get(claim.id);
      const { id, version } = claim;
      await refusedWith(service.reassign(RITA, id, version, { assignee: partner() }), 'assignee-not-reviewer', en.t('errors.assignee-not-reviewer'));
      await refusedWith(
        service.reassign(RITA, id, version, { assignee: ownOrganisationReviewer() }),
        'assignee-own-organisation',
        en.t('errors.assignee-own-organisation'),
      );
      await refusedWith(service.reassign(RAY, id, version, { assignee: RITA }), 'already-assigned', en.t('errors.already-assigned'));
      await refusedWith(service.reassign(partner(), id, version, { assignee: ROB }), 'not-allowed', en.t('errors.not-allowed'));
      await refusedWith(service.reassign(ownOrganisationReviewer(), id, version, { assignee: ROB }), 'own-organisation', en.t('errors.own-organisation'));
      assert.deepEqual(await repository.get(id), before);

      const approved = await service.approve(RITA, id, version);
      await refusedWith(
        service.reassign(RITA, id, approved.version, { assignee: ROB }),
        'invalid-transition',
        en.t('errors.invalid-transition', { status: en.t('claims.status.Approved') }),
      );
      assert.equal(service.allowedActions(RITA, approved).has('reassign'), false, 'a decided claim offers no Reassign');
    });

    it('reads a claim stored before assignments existed', async () => {
      const { repository } = harness;
      const claim = await claimAt(harness, 'InReview', freshDetails());
      await repository.update(claim.id, (document) => {
        const old = structuredClone(document);
        delete old.claim.assignedReviewer;
        return { next: old, result: undefined };
      });
      const restarted = await harness.restart();
      harness = restarted;
      const read = await restarted.service.get(ROB, claim.id);
      assert.equal(read.assignedReviewer, undefined);
      const handed = await restarted.service.reassign(ROB, claim.id, read.version, { assignee: ROB });
      assert.equal(handed.assignedReviewer?.userId, 'reviewer-2');
      assert.equal(alertsOf(await restarted.repository.get(claim.id), 'claim-unassigned').length, 0, 'nobody had it before');
    });
  });

  describe('bulk decisions', () => {
    it('approves each selected claim on its own; a refused claim stops and undoes nothing; a second click acts on none', async () => {
      const { service, repository } = harness;
      const first = await claimAt(harness, 'InReview', freshDetails());
      const waiting = await claimAt(harness, 'Submitted', freshDetails());
      const second = await claimAt(harness, 'InReview', freshDetails());
      const selection = [first, waiting, second].map((claim) => ({ claimId: claim.id, version: claim.version }));

      const outcomes = await service.decideMany(RITA, 'approve', selection);
      assert.deepEqual(
        outcomes.map((outcome) => [outcome.claimId, outcome.outcome]),
        [
          [first.id, 'done'],
          [waiting.id, 'refused'],
          [second.id, 'done'],
        ],
      );
      const refused = outcomes[1]!;
      assert.ok(refused.outcome === 'refused' && refused.error instanceof DomainError && refused.error.code === 'invalid-transition');
      assert.equal(describeError(en, refused.error), en.t('errors.invalid-transition', { status: en.t('claims.status.Submitted') }));

      for (const claim of [first, second]) {
        const document = await repository.get(claim.id);
        assert.equal(document?.claim.status, 'Approved');
        assert.equal(document?.claim.history.filter((entry) => entry.action === 'approve').length, 1, `${claim.id}: its own history entry`);
        assert.equal(alertsOf(document, 'approved').length, 1, `${claim.id}: one approval alert`);
        assert.equal(alertsOf(document, 'consent-notice').length, 1, `${claim.id}: one consent notice`);
      }
      const untouched = await repository.get(waiting.id);
      assert.equal(untouched?.claim.version, waiting.version, 'the refused claim is unchanged');

      // The same selection again (a double click): every claim changed since, so nothing is done twice.
      const again = await service.decideMany(RITA, 'approve', selection);
      assert.ok(again.every((outcome) => outcome.outcome === 'refused'));
      for (const claim of [first, second]) {
        const document = await repository.get(claim.id);
        assert.equal(alertsOf(document, 'approved').length, 1, `${claim.id}: still one approval alert`);
        assert.equal(document?.claim.history.filter((entry) => entry.action === 'approve').length, 1);
      }
    });

    it('starts reviews in bulk (each reviewer assigned), rejects with one shared reason, and refuses a bad reason before touching anything', async () => {
      const { service, repository } = harness;
      const a = await claimAt(harness, 'Submitted', freshDetails());
      const b = await claimAt(harness, 'Submitted', freshDetails());
      const started = await service.decideMany(ROB, 'startReview', [
        { claimId: a.id, version: a.version },
        { claimId: b.id, version: b.version },
        { claimId: a.id, version: a.version },
      ]);
      assert.equal(started.length, 2, 'a claim selected twice is acted on once');
      for (const outcome of started) {
        assert.equal(outcome.outcome, 'done');
        if (outcome.outcome === 'done') assert.equal(outcome.claim.assignedReviewer?.userId, 'reviewer-2');
        assert.equal(alertsOf(await repository.get(outcome.claimId), 'review-started').length, 1);
      }
      const current = await Promise.all([a, b].map((claim) => service.get(ROB, claim.id)));
      const items = current.map((claim) => ({ claimId: claim.id, version: claim.version }));

      await refusedWith(
        service.decideMany(ROB, 'reject', items, { reason: 'not-a-reason', comment: 'No.' }),
        'validation',
        en.t('errors.validation', { issues: en.t('fields.problems.invalid', { field: en.t('fields.reason') }) }),
      );
      for (const claim of current) assert.equal((await repository.get(claim.id))?.claim.version, claim.version);

      const rejected = await service.decideMany(ROB, 'reject', items, { reason: 'insufficient-poe', comment: 'The PoE has no signature.' });
      for (const outcome of rejected) {
        assert.equal(outcome.outcome, 'done');
        const document = await repository.get(outcome.claimId);
        assert.equal(document?.claim.rejection?.reason, 'insufficient-poe');
        assert.equal(document?.claim.rejection?.comment, 'The PoE has no signature.');
        assert.equal(alertsOf(document, 'rejected').length, 1);
      }
      const own = await service.decideMany(ownOrganisationReviewer(), 'approve', [{ claimId: a.id, version: a.version }]);
      assert.equal(own[0]!.outcome, 'refused');
    });
  });

  describe('escalation of an unanswered request for information', () => {
    it("tells the partner's incentives admins (and the assignee) once, one business day before the lapse, with a history entry", async () => {
      const { service, repository, clock } = harness;
      const claim = await claimAt(harness, 'PartnerActionRequired', freshDetails());
      const due = new Date(claim.deadlines.partnerResponse!);
      const escalateAt = new BusinessCalendar('UTC', []).subtractBusinessDays(due, 1);
      const timer = claim.timers.find((candidate) => candidate.kind === 'escalate');
      assert.equal(timer?.dueAt, escalateAt.toISOString());

      clock.set(new Date(escalateAt.getTime() - 1));
      await service.tick();
      assert.equal(alertsOf(await repository.get(claim.id), 'information-escalated').length, 0, 'not before its time');

      clock.set(escalateAt);
      await service.tick();
      await service.tick(new Date(escalateAt.getTime() + 60_000));
      const document = await repository.get(claim.id);
      const escalated = alertsOf(document, 'information-escalated');
      assert.deepEqual(
        escalated.map((alert) => alert.to),
        ['partner-admins', 'reviewer'],
      );
      assert.equal(escalated[1]!.data.reviewerId, 'reviewer-1');
      assert.equal(escalated[0]!.data.deadline, claim.deadlines.partnerResponse);
      const entries = document!.claim.history.filter((entry) => entry.action === 'escalate');
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.role, 'system');
      assert.equal(document!.claim.version, claim.version, "the partner's cards stay current");
      assert.equal(document!.claim.status, 'PartnerActionRequired');

      clock.set(due);
      await service.tick();
      const lapsed = await repository.get(claim.id);
      assert.equal(lapsed?.claim.status, 'Rejected');
      assert.equal(alertsOf(lapsed, 'information-escalated').length, 2, 'still once each');
    });

    it('a partner who answers first is never escalated', async () => {
      const { service, repository, clock } = harness;
      let claim = await claimAt(harness, 'PartnerActionRequired', freshDetails());
      claim = await service.resubmit(partner(), claim.id, claim.version, { comment: 'Attached.' });
      clock.set(claim.deadlines.reviewDecision!);
      await service.tick();
      assert.equal(alertsOf(await repository.get(claim.id), 'information-escalated').length, 0);
    });
  });

  describe('structured resubmission', () => {
    it("the reviewer's alert carries what changed field by field, and the files added, since the request", async () => {
      const { service, repository } = harness;
      let claim = await claimAt(harness, 'PartnerActionRequired', freshDetails());
      const by = partner();
      claim = await service.update(by, claim.id, claim.version, { workloads: ['Teams', 'Exchange', 'Intune'] });
      claim = await service.update(by, claim.id, claim.version, { partnerContact: { name: 'Pat Partner', email: 'pat.partner@contoso.com' } });
      claim = await service.addPoe(by, claim.id, claim.version, poeFile('signed-letter.pdf'));
      claim = await service.resubmit(by, claim.id, claim.version, { comment: 'Signed letter attached.' });
      const [alert] = alertsOf(await repository.get(claim.id), 'claim-resubmitted');
      assert.deepEqual(alert?.data.detailChanges, [
        { field: 'workloads', from: 'Teams, Exchange', to: 'Teams, Exchange, Intune' },
        { field: 'partnerContact', from: 'Pat Partner <pat@contoso.com>', to: 'Pat Partner <pat.partner@contoso.com>' },
      ]);
      assert.deepEqual(alert?.data.poeAdded, ['signed-letter.pdf']);
    });

    it('says so when nothing changed', async () => {
      const { service, repository } = harness;
      let claim = await claimAt(harness, 'PartnerActionRequired', freshDetails());
      claim = await service.resubmit(partner(), claim.id, claim.version, {});
      const [alert] = alertsOf(await repository.get(claim.id), 'claim-resubmitted');
      assert.deepEqual(alert?.data.detailChanges, []);
      assert.deepEqual(alert?.data.poeAdded, []);
    });
  });

  describe('out-of-office delegation', () => {
    it('is stored, read back after a restart, ends by itself on the clock, and can be ended early', async () => {
      const { clock, dataDir } = harness;
      const open = () => ReviewerDelegations.open(new FileDocumentStore({ dataDir, clock }), clock);
      const delegations = await open();
      const until = new Date(MONDAY.getTime() + 4 * 24 * 3600_000);
      const set = await delegations.set(RITA, { until: until.toISOString(), delegate: ROB });
      assert.deepEqual(set.delegate, { userId: 'reviewer-2', tenantId: ROB.tenantId, name: 'Rob Reviewer' });

      const reopened = await open();
      assert.equal((await reopened.current(RITA))?.delegate.userId, 'reviewer-2', 'durable');
      assert.equal(await reopened.current(ROB), undefined);

      clock.set(until);
      assert.equal(await reopened.current(RITA), undefined, 'over at its end');

      clock.set(MONDAY);
      await reopened.set(RITA, { until: until.toISOString(), delegate: ROB });
      assert.equal(await reopened.clear(RITA), true);
      assert.equal(await reopened.current(RITA), undefined);
      assert.equal(await reopened.clear(RITA), false);
    });

    it('refuses what cannot stand: a past or far date, a non-reviewer, oneself, a delegate who is away, a non-reviewer setting it', async () => {
      const { clock, dataDir } = harness;
      const delegations = await ReviewerDelegations.open(new FileDocumentStore({ dataDir, clock }), clock);
      const soon = new Date(MONDAY.getTime() + 2 * 24 * 3600_000).toISOString();
      const invalid = (problem: string) => en.t(`errors.delegation-invalid-${problem}`, { days: 90 });
      await refusedWith(delegations.set(RITA, { until: MONDAY.toISOString(), delegate: ROB }), 'delegation-invalid', invalid('until'));
      await refusedWith(
        delegations.set(RITA, { until: new Date(MONDAY.getTime() + 91 * 24 * 3600_000).toISOString(), delegate: ROB }),
        'delegation-invalid',
        invalid('until'),
      );
      await refusedWith(delegations.set(RITA, { until: soon, delegate: partner() }), 'delegation-invalid', invalid('not-reviewer'));
      await refusedWith(delegations.set(RITA, { until: soon, delegate: RITA }), 'delegation-invalid', invalid('self'));
      await delegations.set(ROB, { until: soon, delegate: RAY });
      await refusedWith(delegations.set(RITA, { until: soon, delegate: ROB }), 'delegation-invalid', invalid('delegate-away'));
      await refusedWith(delegations.set(partner(), { until: soon, delegate: ROB }), 'not-allowed', en.t('errors.not-allowed'));
      assert.equal(await delegations.current(RITA), undefined);
    });
  });
});
