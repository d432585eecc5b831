import assert from 'node:assert/strict';
import type { Actor } from '../../services/actor.js';
import type { CreateInput, UpdateInput } from '../../services/commandInputs.js';
import { DomainError, type ErrorCode, type FieldIssue } from '../../services/errors.js';
import type { ClaimDetails, ClaimDocument, PoeInput } from '../../services/model.js';
import type { PolicyName } from '../../services/policy.js';
import {
  OTHER_CUSTOMER_TENANT,
  SUBSCRIPTION,
  bizAppsDetails,
  claimAt,
  createHarness,
  customer,
  m365Details,
  otherPartner,
  ownOrganisationReviewer,
  partner,
  poeFile,
  reviewer,
  type Harness,
  type Stage,
} from '../support/serviceHarness.js';

// The guards of the lifecycle (SPEC sections 2, 3 and 7): completeness, duplicates and competing
// claims, what may be edited when, input validation, the dispute and consent windows, reviewers
// of the claim's own organisation and disassociation. Every refusal must change nothing.

const DAY_MS = 24 * 60 * 60 * 1000;
const OTHER_PARTNER_ID = '7700001';

let harnesses: Harness[] = [];

afterEach(async () => {
  const open = harnesses;
  harnesses = [];
  await Promise.all(open.map((harness) => harness.cleanup()));
});

async function newHarness(policy?: PolicyName): Promise<Harness> {
  const harness = await createHarness({ policy });
  harnesses.push(harness);
  return harness;
}

async function load(harness: Harness, claimId: string): Promise<ClaimDocument> {
  const document = await harness.repository.get(claimId);
  assert.ok(document, `claim ${claimId} is stored`);
  return document;
}

/** A claim at `stage` in a store of its own, and its stored document. */
async function fixture(
  stage: Stage,
  options: { policy?: PolicyName; details?: Partial<ClaimDetails>; by?: Actor } = {},
): Promise<{ harness: Harness; document: ClaimDocument }> {
  const harness = await newHarness(options.policy);
  const claim = await claimAt(harness, stage, options.details, options.by);
  return { harness, document: await load(harness, claim.id) };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, check?: (error: DomainError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `expected a DomainError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    check?.(error);
    return true;
  });
}

const issuesOf = (error: DomainError): readonly FieldIssue[] => {
  const issues = error.params.issues;
  assert.ok(Array.isArray(issues), 'params.issues is a list');
  return issues as readonly FieldIssue[];
};

const hasIssue = (field: string, problem: FieldIssue['problem']) => (error: DomainError) =>
  assert.ok(
    issuesOf(error).some((issue) => issue.field === field && issue.problem === problem),
    `issues ${JSON.stringify(issuesOf(error))} include ${field}: ${problem}`,
  );

const onlyIssue = (field: string, problem: FieldIssue['problem']) => (error: DomainError) => assert.deepEqual(issuesOf(error), [{ field, problem }]);

async function assertUnchanged(harness: Harness, before: ClaimDocument): Promise<void> {
  const after = await load(harness, before.claim.id);
  assert.equal(after.claim.version, before.claim.version);
  assert.equal(after.claim.history.length, before.claim.history.length);
  assert.deepEqual(after.outbox, before.outbox);
  assert.deepEqual(after.claim, before.claim);
}

function without(details: Partial<ClaimDetails>, field: keyof ClaimDetails): Partial<ClaimDetails> {
  const copy = { ...details };
  delete copy[field];
  return copy;
}

/** A draft with PoE (or without), ready to submit. */
async function draft(harness: Harness, details: Partial<ClaimDetails>, options: { by?: Actor; poe?: boolean } = {}): Promise<ClaimDocument> {
  const by = options.by ?? partner();
  let claim = await harness.service.create(by, details);
  if (options.poe !== false) claim = await harness.service.addPoe(by, claim.id, claim.version, poeFile());
  return load(harness, claim.id);
}

describe('lifecycle guards', function () {
  this.timeout(20_000);

  describe('submit: complete', () => {
    it('without PoE -> incomplete naming poe, nothing changes', async () => {
      const harness = await newHarness();
      const before = await draft(harness, m365Details(), { poe: false });
      await rejectsWith(harness.service.submit(partner(), before.claim.id, before.claim.version), 'incomplete', onlyIssue('poe', 'required'));
      await assertUnchanged(harness, before);
    });

    const missing: { label: string; details: Partial<ClaimDetails>; field: keyof ClaimDetails }[] = [
      { label: 'no customer contact', details: without(m365Details(), 'customerContact'), field: 'customerContact' },
      { label: 'no partner contact', details: without(m365Details(), 'partnerContact'), field: 'partnerContact' },
      { label: 'no customer domain', details: without(m365Details(), 'customerDomain'), field: 'customerDomain' },
      { label: 'no customer tenant', details: without(m365Details(), 'customerTenantId'), field: 'customerTenantId' },
      { label: 'no workloads', details: m365Details({ workloads: [] }), field: 'workloads' },
      { label: 'BizApps without subscriptionId', details: without(bizAppsDetails(), 'subscriptionId'), field: 'subscriptionId' },
      {
        label: 'OSA without subscriptionId',
        details: without(bizAppsDetails({ program: 'OSA', activity: 'Presales' }), 'subscriptionId'),
        field: 'subscriptionId',
      },
      {
        label: 'a Dynamics 365 workload without technical contact',
        details: without(bizAppsDetails(), 'technicalContact'),
        field: 'technicalContact',
      },
    ];
    for (const { label, details, field } of missing) {
      it(`${label} -> incomplete naming ${field}, nothing changes`, async () => {
        const harness = await newHarness();
        const before = await draft(harness, details);
        await rejectsWith(harness.service.submit(partner(), before.claim.id, before.claim.version), 'incomplete', onlyIssue(field, 'required'));
        await assertUnchanged(harness, before);
      });
    }

    it('a Business Applications claim without Dynamics 365 workloads needs no technical contact', async () => {
      const harness = await newHarness();
      const before = await draft(harness, without(bizAppsDetails({ workloads: ['Power BI'] }), 'technicalContact'));
      const submitted = await harness.service.submit(partner(), before.claim.id, before.claim.version);
      assert.equal(submitted.status, 'Submitted');
    });

    it('resubmit after an edit emptied the workloads -> incomplete naming workloads, nothing changes', async () => {
      const { harness, document } = await fixture('PartnerActionRequired');
      await harness.service.update(partner(), document.claim.id, document.claim.version, { workloads: [] });
      const before = await load(harness, document.claim.id);
      await rejectsWith(harness.service.resubmit(partner(), before.claim.id, before.claim.version), 'incomplete', onlyIssue('workloads', 'required'));
      await assertUnchanged(harness, before);
    });
  });

  describe('duplicates and competing claims', () => {
    it('a second claim of the same organisation on the same tenant and workload -> duplicate-claim', async () => {
      const harness = await newHarness();
      const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams', 'Exchange'] }));
      const before = await draft(harness, m365Details({ workloads: ['Viva', 'Teams'] }));
      await rejectsWith(harness.service.submit(partner('incentives-user'), before.claim.id, before.claim.version), 'duplicate-claim', (error) =>
        assert.equal(error.params.existingClaimId, first.id),
      );
      await assertUnchanged(harness, before);
    });

    it('a second BizApps claim of the same organisation on the same subscription -> duplicate-claim', async () => {
      const harness = await newHarness();
      const first = await claimAt(harness, 'InReview', bizAppsDetails());
      const before = await draft(harness, bizAppsDetails({ workloads: ['Power BI'], customerTenantId: OTHER_CUSTOMER_TENANT }));
      await rejectsWith(harness.service.submit(partner(), before.claim.id, before.claim.version), 'duplicate-claim', (error) =>
        assert.equal(error.params.existingClaimId, first.id),
      );
      await assertUnchanged(harness, before);
    });

    it('OSA and OSU-BizApps on the same subscription are separate partner-of-record keys', async () => {
      const harness = await newHarness();
      await claimAt(harness, 'Submitted', bizAppsDetails());
      const advisory = await claimAt(harness, 'Submitted', bizAppsDetails({ program: 'OSA', activity: 'Presales' }));
      assert.equal(advisory.status, 'Submitted');
    });

    it('the same tenant with another workload is no duplicate', async () => {
      const harness = await newHarness();
      await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
      assert.equal(second.status, 'Submitted');
    });

    it('a draft or a withdrawn claim on the key does not block a new one', async () => {
      const harness = await newHarness();
      await claimAt(harness, 'Draft', m365Details({ workloads: ['Teams'] }));
      const withdrawn = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      await harness.service.withdraw(partner(), withdrawn.id, withdrawn.version);
      const third = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      assert.equal(third.status, 'Submitted');
    });

    it('an edit after submission onto a key the organisation already holds -> duplicate-claim, nothing changes', async () => {
      const harness = await newHarness();
      const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
      const before = await load(harness, second.id);
      await rejectsWith(harness.service.update(partner(), second.id, second.version, { workloads: ['Viva', 'Teams'] }), 'duplicate-claim', (error) =>
        assert.equal(error.params.existingClaimId, first.id),
      );
      await assertUnchanged(harness, before);
    });

    it('a claim of ANOTHER organisation on the same key is accepted and flagged as competing', async () => {
      const harness = await newHarness();
      const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
      const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams', 'Viva'], partnerId: OTHER_PARTNER_ID }), otherPartner());
      assert.equal(second.status, 'Submitted');

      const { outbox } = await load(harness, second.id);
      const submitted = outbox.filter((alert) => alert.kind === 'claim-submitted');
      assert.equal(submitted.length, 1);
      assert.equal(submitted[0]!.to, 'reviewers');
      assert.deepEqual(submitted[0]!.data.competingWith, [first.id]);

      const queue = await harness.service.reviewQueue(reviewer());
      const competing = Object.fromEntries(queue.map((item) => [item.claim.id, item.competingWith]));
      assert.deepEqual(competing, { [first.id]: [second.id], [second.id]: [first.id] });
    });

    it('a BizApps claim of another organisation on the same subscription competes too', async () => {
      const harness = await newHarness();
      const first = await claimAt(harness, 'Submitted', bizAppsDetails());
      const second = await claimAt(
        harness,
        'Submitted',
        bizAppsDetails({ workloads: ['Power Apps'], partnerId: OTHER_PARTNER_ID }),
        otherPartner('global-admin'),
      );
      const { outbox } = await load(harness, second.id);
      const submitted = outbox.find((alert) => alert.kind === 'claim-submitted');
      assert.deepEqual(submitted?.data.competingWith, [first.id]);
      const queue = await harness.service.reviewQueue(reviewer());
      assert.deepEqual(queue.find((item) => item.claim.id === first.id)?.competingWith, [second.id]);
    });

    it('an uncontested claim is flagged as competing with nothing', async () => {
      const harness = await newHarness();
      const only = await claimAt(harness, 'Submitted');
      const { outbox } = await load(harness, only.id);
      assert.equal(outbox.find((alert) => alert.kind === 'claim-submitted')?.data.competingWith, undefined);
      const queue = await harness.service.reviewQueue(reviewer());
      assert.deepEqual(
        queue.map((item) => item.competingWith),
        [[]],
      );
    });
  });

  describe('edit', () => {
    const contact = { partnerContact: { name: 'Pat Partner', email: 'pat.partner@contoso.com' } };

    for (const stage of ['InReview', 'Approved', 'Rejected', 'Disputed'] as const) {
      it(`in ${stage} -> invalid-transition, nothing changes`, async () => {
        const { harness, document: before } = await fixture(stage);
        await rejectsWith(harness.service.update(partner(), before.claim.id, before.claim.version, contact), 'invalid-transition');
        await assertUnchanged(harness, before);
      });
    }

    it('in Submitted under partner-center-2023 -> invalid-transition, nothing changes', async () => {
      const { harness, document: before } = await fixture('Submitted', { policy: 'partner-center-2023' });
      await rejectsWith(harness.service.update(partner(), before.claim.id, before.claim.version, contact), 'invalid-transition');
      await rejectsWith(harness.service.addPoe(partner(), before.claim.id, before.claim.version, poeFile('more.pdf')), 'invalid-transition');
      await assertUnchanged(harness, before);
    });

    it('in PartnerActionRequired under partner-center-2023 is allowed', async () => {
      const { harness, document: before } = await fixture('PartnerActionRequired', { policy: 'partner-center-2023' });
      const edited = await harness.service.update(partner(), before.claim.id, before.claim.version, contact);
      assert.equal(edited.status, 'PartnerActionRequired');
      assert.equal(edited.version, before.claim.version + 1);
      assert.deepEqual(edited.details.partnerContact, contact.partnerContact);
    });

    const locked: { field: keyof UpdateInput; value: UpdateInput }[] = [
      { field: 'customerTenantId', value: { customerTenantId: OTHER_CUSTOMER_TENANT } },
      { field: 'program', value: { program: 'OSU-BizApps' } },
      { field: 'customerDomain', value: { customerDomain: 'tailspin.onmicrosoft.com' } },
      { field: 'activity', value: { activity: 'Usage' } },
      { field: 'subscriptionId', value: { subscriptionId: SUBSCRIPTION } },
    ];
    for (const stage of ['Submitted', 'PartnerActionRequired'] as const) {
      for (const { field, value } of locked) {
        it(`of ${field} in ${stage} -> validation not-editable, nothing changes`, async () => {
          const { harness, document: before } = await fixture(stage);
          await rejectsWith(harness.service.update(partner(), before.claim.id, before.claim.version, value), 'validation', onlyIssue(field, 'not-editable'));
          await assertUnchanged(harness, before);
        });
      }
    }

    it('a locked field mixed with editable ones -> not-editable, and the editable ones are not applied', async () => {
      const { harness, document: before } = await fixture('Submitted');
      await rejectsWith(
        harness.service.update(partner(), before.claim.id, before.claim.version, { ...contact, customerTenantId: OTHER_CUSTOMER_TENANT }),
        'validation',
        onlyIssue('customerTenantId', 'not-editable'),
      );
      await assertUnchanged(harness, before);
    });

    it('of the customer tenant in a draft is allowed', async () => {
      const { harness, document: before } = await fixture('Draft');
      const edited = await harness.service.update(partner(), before.claim.id, before.claim.version, {
        customerTenantId: OTHER_CUSTOMER_TENANT,
      });
      assert.equal(edited.details.customerTenantId, OTHER_CUSTOMER_TENANT);
    });
  });

  describe('validation', () => {
    const forged = (input: Record<string, unknown>) => input as unknown as UpdateInput;
    const bad: { label: string; input: UpdateInput; field: string; problem: FieldIssue['problem'] }[] = [
      { label: 'a malformed customer tenant GUID', input: { customerTenantId: 'not-a-guid' }, field: 'customerTenantId', problem: 'invalid' },
      { label: 'a malformed subscription GUID', input: { subscriptionId: '6666-6666' }, field: 'subscriptionId', problem: 'invalid' },
      {
        label: 'an unknown workload',
        input: forged({ workloads: ['Teams', 'Minecraft'] }),
        field: 'workloads',
        problem: 'not-in-catalogue',
      },
      { label: 'a workload of the wrong program', input: { workloads: ['Teams', 'Power BI'] }, field: 'workloads', problem: 'not-for-program' },
      { label: 'an activity not allowed for the program', input: { activity: 'Presales' }, field: 'activity', problem: 'not-for-program' },
      { label: 'a PartnerID not among the organisation’s', input: { partnerId: '9999999' }, field: 'partnerId', problem: 'unknown-partner-id' },
      { label: "another organisation's PartnerID", input: { partnerId: OTHER_PARTNER_ID }, field: 'partnerId', problem: 'unknown-partner-id' },
      { label: 'an extra forged field', input: forged({ approvedBy: 'me' }), field: 'approvedBy', problem: 'unknown-field' },
      { label: 'a forged solution area', input: forged({ solutionArea: 'Business Applications' }), field: 'solutionArea', problem: 'unknown-field' },
      { label: 'a forged status', input: forged({ status: 'Approved' }), field: 'status', problem: 'unknown-field' },
    ];

    for (const { label, input, field, problem } of bad) {
      it(`edit with ${label} -> validation ${field}: ${problem}, nothing changes`, async () => {
        const { harness, document: before } = await fixture('Draft');
        await rejectsWith(harness.service.update(partner(), before.claim.id, before.claim.version, input), 'validation', onlyIssue(field, problem));
        await assertUnchanged(harness, before);
      });

      it(`create with ${label} -> validation ${field}: ${problem}, nothing is stored`, async () => {
        const harness = await newHarness();
        await rejectsWith(harness.service.create(partner(), { ...m365Details(), ...input } as CreateInput), 'validation', onlyIssue(field, problem));
        assert.equal(await harness.repository.count(), 0);
        assert.deepEqual(await harness.repository.pageOf({ partnerTenantId: partner().tenantId }, { order: 'newest', limit: 10 }), { total: 0, ids: [] });
      });
    }

    const badFiles: { label: string; file: PoeInput; problem: FieldIssue['problem'] }[] = [
      { label: 'an .exe', file: poeFile('setup.exe'), problem: 'file-type' },
      { label: 'a file without extension', file: poeFile('acknowledgement'), problem: 'file-type' },
      { label: 'a file over 10 MB', file: poeFile('huge.pdf', 10 * 1024 * 1024 + 1), problem: 'file-too-large' },
      {
        label: 'a file with a forged uploader',
        file: { ...poeFile(), uploadedBy: 'someone-else' } as unknown as PoeInput,
        problem: 'unknown-field',
      },
    ];
    for (const { label, file, problem } of badFiles) {
      it(`PoE: ${label} -> validation ${problem}, nothing changes`, async () => {
        const { harness, document: before } = await fixture('Draft');
        await rejectsWith(harness.service.addPoe(partner(), before.claim.id, before.claim.version, file), 'validation', (error) =>
          assert.ok(
            issuesOf(error).some((issue) => issue.problem === problem),
            JSON.stringify(issuesOf(error)),
          ),
        );
        await assertUnchanged(harness, before);
      });
    }

    it('PoE: exactly 10 MB of an accepted type is accepted', async () => {
      const { harness, document: before } = await fixture('Draft');
      const claim = await harness.service.addPoe(partner(), before.claim.id, before.claim.version, poeFile('scan.PNG', 10 * 1024 * 1024));
      assert.equal(claim.poe.length, before.claim.poe.length + 1);
    });

    it('PoE with a dispute: a wrong-type file -> validation file-type, nothing changes', async () => {
      const { harness, document: before } = await fixture('Rejected');
      await rejectsWith(
        harness.service.dispute(partner(), before.claim.id, before.claim.version, { poe: [poeFile('macro.exe')] }),
        'validation',
        hasIssue('poe', 'file-type'),
      );
      await assertUnchanged(harness, before);
    });
  });

  describe('dispute', () => {
    it('after the 30-day window -> window-closed, nothing changes', async () => {
      const { harness, document: before } = await fixture('Rejected');
      const closes = before.claim.deadlines.disputeWindow!;
      assert.equal(Date.parse(closes) - harness.clock.now().getTime(), 30 * DAY_MS);
      harness.clock.set(new Date(Date.parse(closes) + 1));
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Late.' }), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('at the very instant the window closes -> window-closed', async () => {
      const { harness, document: before } = await fixture('Rejected');
      harness.clock.set(before.claim.deadlines.disputeWindow!);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Late.' }), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('after the window closed on a tick -> window-closed, nothing changes', async () => {
      const { harness, document } = await fixture('Rejected');
      harness.clock.set(document.claim.deadlines.disputeWindow!);
      await harness.service.tick();
      const before = await load(harness, document.claim.id);
      assert.equal(before.claim.disputeWindowClosed, true);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Late.' }), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('a millisecond before the window closes is still possible', async () => {
      const { harness, document: before } = await fixture('Rejected');
      harness.clock.set(new Date(Date.parse(before.claim.deadlines.disputeWindow!) - 1));
      const disputed = await harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'In time.' });
      assert.equal(disputed.status, 'Disputed');
    });

    it('a second dispute after uphold -> dispute-used, nothing changes', async () => {
      const { harness, document } = await fixture('Disputed');
      await harness.service.decideDispute(reviewer(), document.claim.id, document.claim.version, { outcome: 'uphold' });
      const before = await load(harness, document.claim.id);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Once more.' }), 'dispute-used');
      await assertUnchanged(harness, before);
    });

    it('a second dispute after an overturned claim ends rejected again (disassociated) -> dispute-used', async () => {
      const { harness, document } = await fixture('Disputed', { policy: 'partner-center-2023' });
      const approved = await harness.service.decideDispute(reviewer(), document.claim.id, document.claim.version, { outcome: 'overturn' });
      await harness.service.disassociate(partner(), approved.id, approved.version, { reason: 'Customer left.' });
      const before = await load(harness, document.claim.id);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Once more.' }), 'dispute-used');
      await assertUnchanged(harness, before);
    });

    it('of a withdrawn claim -> refused (invalid-transition), nothing changes', async () => {
      const { harness, document } = await fixture('InReview');
      await harness.service.withdraw(partner('billing-admin'), document.claim.id, document.claim.version);
      const before = await load(harness, document.claim.id);
      assert.deepEqual(before.claim.rejection?.final, true);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'Changed my mind.' }), 'invalid-transition');
      await assertUnchanged(harness, before);
    });

    it('of a claim the customer opted out of -> refused (invalid-transition), nothing changes', async () => {
      const { harness, document } = await fixture('Approved');
      await harness.service.optOut(customer(), document.claim.id, document.claim.version);
      const before = await load(harness, document.claim.id);
      await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, { justification: 'They did agree.' }), 'invalid-transition');
      await assertUnchanged(harness, before);
    });

    const empty: { label: string; input: Record<string, unknown> }[] = [
      { label: 'no input at all', input: {} },
      { label: 'an empty PoE list', input: { poe: [] } },
      { label: 'a blank justification', input: { justification: '   ' } },
    ];
    for (const { label, input } of empty) {
      it(`with neither justification nor PoE (${label}) -> validation, nothing changes`, async () => {
        const { harness, document: before } = await fixture('Rejected');
        await rejectsWith(harness.service.dispute(partner(), before.claim.id, before.claim.version, input), 'validation', (error) =>
          assert.ok(issuesOf(error).length > 0),
        );
        await assertUnchanged(harness, before);
      });
    }

    it('with new PoE only is accepted and attaches it', async () => {
      const { harness, document: before } = await fixture('Rejected');
      const disputed = await harness.service.dispute(partner(), before.claim.id, before.claim.version, {
        poe: [poeFile('signed-page-3.pdf')],
      });
      assert.equal(disputed.status, 'Disputed');
      assert.equal(disputed.poe.at(-1)?.name, 'signed-page-3.pdf');
    });
  });

  describe('opt-out', () => {
    it('at the end of the consent window, before a tick -> window-closed, nothing changes', async () => {
      const { harness, document: before } = await fixture('Approved');
      assert.equal(before.claim.consentPhase, 'window-open');
      harness.clock.set(before.claim.deadlines.consentWindow!);
      await rejectsWith(harness.service.optOut(customer(), before.claim.id, before.claim.version), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('after the window, before a tick -> window-closed', async () => {
      const { harness, document: before } = await fixture('Approved');
      harness.clock.set(new Date(Date.parse(before.claim.deadlines.consentWindow!) + DAY_MS));
      await rejectsWith(harness.service.optOut(customer(), before.claim.id, before.claim.version), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('after the window and a tick (associated) -> window-closed, nothing changes', async () => {
      const { harness, document } = await fixture('Approved');
      harness.clock.set(document.claim.deadlines.consentWindow!);
      await harness.service.tick();
      const before = await load(harness, document.claim.id);
      assert.equal(before.claim.consentPhase, 'associated');
      await rejectsWith(harness.service.optOut(customer(), before.claim.id, before.claim.version), 'window-closed');
      await assertUnchanged(harness, before);
    });

    it('a millisecond before the window closes is still possible', async () => {
      const { harness, document: before } = await fixture('Approved');
      harness.clock.set(new Date(Date.parse(before.claim.deadlines.consentWindow!) - 1));
      const declined = await harness.service.optOut(customer(), before.claim.id, before.claim.version);
      assert.equal(declined.status, 'Rejected');
      assert.deepEqual(declined.rejection?.reason, 'customer-declined');
    });

    it('by a user of another tenant, while the window is open -> wrong-tenant', async () => {
      const { harness, document: before } = await fixture('Approved');
      await rejectsWith(harness.service.optOut(customer(OTHER_CUSTOMER_TENANT), before.claim.id, before.claim.version), 'wrong-tenant');
      await assertUnchanged(harness, before);
    });
  });

  describe("a reviewer of the claim's own organisation", () => {
    const decisions: { action: string; stage: Stage; run: (harness: Harness, id: string, version: number) => Promise<unknown> }[] = [
      { action: 'startReview', stage: 'Submitted', run: (h, id, v) => h.service.startReview(ownOrganisationReviewer(), id, v) },
      {
        action: 'requestInformation',
        stage: 'InReview',
        run: (h, id, v) => h.service.requestInformation(ownOrganisationReviewer(), id, v, { reasons: ['missing-products'], comment: 'Products?' }),
      },
      { action: 'approve', stage: 'InReview', run: (h, id, v) => h.service.approve(ownOrganisationReviewer(), id, v) },
      {
        action: 'reject',
        stage: 'InReview',
        run: (h, id, v) => h.service.reject(ownOrganisationReviewer(), id, v, { reason: 'insufficient-poe', comment: 'No.' }),
      },
      {
        action: 'decideDispute overturn',
        stage: 'Disputed',
        run: (h, id, v) => h.service.decideDispute(ownOrganisationReviewer(), id, v, { outcome: 'overturn' }),
      },
      {
        action: 'decideDispute uphold',
        stage: 'Disputed',
        run: (h, id, v) => h.service.decideDispute(ownOrganisationReviewer(), id, v, { outcome: 'uphold' }),
      },
    ];
    for (const { action, stage, run } of decisions) {
      it(`cannot ${action} (${stage}) -> own-organisation, nothing changes`, async () => {
        const { harness, document: before } = await fixture(stage);
        await rejectsWith(run(harness, before.claim.id, before.claim.version), 'own-organisation');
        await assertUnchanged(harness, before);
      });
    }

    it('sees the claim flagged as their own organisation in the queue', async () => {
      const { harness, document } = await fixture('Submitted');
      const [item] = await harness.service.reviewQueue(ownOrganisationReviewer());
      assert.equal(item?.claim.id, document.claim.id);
      assert.equal(item?.ownOrganisation, true);
      const [neutral] = await harness.service.reviewQueue(reviewer());
      assert.equal(neutral?.ownOrganisation, false);
    });
  });

  describe('disassociate', () => {
    it('under the default policy -> invalid-transition, nothing changes', async () => {
      const { harness, document: before } = await fixture('Approved');
      await rejectsWith(harness.service.disassociate(partner(), before.claim.id, before.claim.version, { reason: 'Customer left.' }), 'invalid-transition');
      await assertUnchanged(harness, before);
    });

    it('under the default policy, once associated -> invalid-transition', async () => {
      const { harness, document: before } = await fixture('Associated');
      await rejectsWith(harness.service.disassociate(partner(), before.claim.id, before.claim.version, { reason: 'Customer left.' }), 'invalid-transition');
      await assertUnchanged(harness, before);
    });

    it('under partner-center-2023 -> Rejected, partner-disassociated, final; no dispute afterwards', async () => {
      const { harness, document: before } = await fixture('Associated', { policy: 'partner-center-2023' });
      const ended = await harness.service.disassociate(partner(), before.claim.id, before.claim.version, {
        reason: 'Customer left.',
      });
      assert.equal(ended.status, 'Rejected');
      assert.equal(ended.consentPhase, undefined);
      assert.deepEqual({ reason: ended.rejection?.reason, final: ended.rejection?.final }, { reason: 'partner-disassociated', final: true });
      const after = await load(harness, ended.id);
      await rejectsWith(harness.service.dispute(partner(), ended.id, ended.version, { justification: 'Undo.' }), 'invalid-transition');
      await assertUnchanged(harness, after);
    });

    it('without a reason -> validation, nothing changes', async () => {
      const { harness, document: before } = await fixture('Approved', { policy: 'partner-center-2023' });
      await rejectsWith(
        harness.service.disassociate(partner(), before.claim.id, before.claim.version, { reason: ' ' }),
        'validation',
        hasIssue('reason', 'required'),
      );
      await assertUnchanged(harness, before);
    });
  });

  describe('after uphold', () => {
    it('the rejection is final, keeps its reason and frees the key', async () => {
      const { harness, document } = await fixture('Disputed');
      const upheld = await harness.service.decideDispute(reviewer(), document.claim.id, document.claim.version, {
        outcome: 'uphold',
      });
      assert.equal(upheld.status, 'Rejected');
      assert.deepEqual({ reason: upheld.rejection?.reason, final: upheld.rejection?.final }, { reason: 'insufficient-poe', final: true });
      assert.deepEqual(upheld.deadlines, {}, 'no dispute window after a final rejection');
      assert.deepEqual(await harness.service.reviewQueue(reviewer()), []);
      // No longer active: the same organisation may claim the same key again.
      const again = await claimAt(harness, 'Submitted');
      assert.equal(again.status, 'Submitted');
    });
  });
});
