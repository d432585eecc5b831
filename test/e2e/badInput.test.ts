import { programName, programShortName } from '../../services/catalogue.js';
import assert from 'node:assert/strict';
import { describeIssues } from '../../cards/i18n/errorMessages.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Claim } from '../../services/model.js';
import { CUSTOMER_TENANT, OTHER_PARTNER_TENANT } from '../support/serviceHarness.js';
import { actionTitled, cardTitle, submit, textOf } from '../dialogs/support/dialogHarness.js';
import {
  actorOf,
  assertShows,
  cardIn,
  cardStrings,
  invokeError,
  OTHER_PARTNER,
  PARTNER,
  REVIEWER,
  e2ePerTest,
  type E2E,
  type Reply,
} from './support/e2eApp.js';
import { CONTACTS, PDF, claimsOf, fileFrom, walkCreateClaim } from './support/journey.js';
import { literal } from '../../cards/markdown.js';
import { storedFilesIn } from '../support/storedFiles.js';

// Issue 3, "Done when": bad input at every step of the real server gets a clear message and
// changes nothing: the store is read after each refusal (`app.claims`, `app.repository`).

const en = translatorFor('en');
const UNKNOWN_ID = 'CPOR-2026-999999';

describe('e2e: bad input gets a clear message and changes nothing', function () {
  this.timeout(60_000);
  const apps = e2ePerTest();
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await apps.start();
  });

  const reviewerView = (claimId: string): Promise<Claim> => e2e.app.claims.get(actorOf(REVIEWER), claimId);

  /** Sends `input`, expects the explanation `message` and the same question asked again. */
  async function refused(input: string | Reply, message: string, askedAgain: string): Promise<Reply[]> {
    const replies = await e2e.say(PARTNER, input);
    assert.equal(replies.length, 2, `an explanation and the question again, got ${JSON.stringify(replies).slice(0, 400)}`);
    assert.equal(textOf(replies[0]), message);
    assert.equal(cardTitle(replies[1]), askedAgain);
    return replies;
  }

  it('at every step of the create-claim dialog: forged and incomplete forms, malformed GUID, wrong domain, unknown workload, empty contact, wrong-type and oversized files', async () => {
    // Program: a forged field, a missing field, a value that is not offered. No draft is created.
    const start = await walkCreateClaim(e2e, PARTNER, 'program');
    const programButton = actionTitled(start.asked[1], programShortName('OSU-M365'));
    const programTitle = en.t('dialogs.program.title');
    await refused(
      { value: { ...programButton.data, partnerTenantId: OTHER_PARTNER_TENANT }, text: undefined },
      en.t('dialogs.form.unexpected', { fields: 'partnerTenantId' }),
      programTitle,
    );
    await refused(
      { value: { form: programButton.data.form, step: 'program', action: 'choose' }, text: undefined },
      en.t('dialogs.form.missing', { fields: 'choice' }),
      programTitle,
    );
    await refused({ value: { ...programButton.data, choice: 'OSX' }, text: undefined }, en.t('dialogs.form.invalid'), programTitle);
    await refused({ value: { ...programButton.data, step: 'summary' }, text: undefined }, en.t('dialogs.form.oldCard'), programTitle);
    assert.equal(await e2e.app.repository.count(), 0, 'no draft was created by any of them');

    let replies = await e2e.say(PARTNER, submit(programButton));
    const [draft] = await claimsOf(e2e, PARTNER);
    assert.ok(draft);
    assert.equal(textOf(replies[0]), en.t('dialogs.program.created', { claimId: draft.id }));
    const version = async () => (await reviewerView(draft.id)).version;
    let saved = await version();

    // PartnerID: one the organisation is not enrolled with.
    const partnerIdTitle = en.t('dialogs.partnerId.title');
    await refused('7700001', en.t('dialogs.common.pickOne', { options: en.formatList(['4512345', '4512346']) }), partnerIdTitle);
    await refused({ value: { ...actionTitled(replies[1], '4512345').data, choice: '7700001' }, text: undefined }, en.t('dialogs.form.invalid'), partnerIdTitle);
    assert.equal(await version(), saved);
    replies = await e2e.say(PARTNER, submit(actionTitled(replies[1], '4512346')));
    assert.equal((await reviewerView(draft.id)).details.partnerId, '4512346');
    saved = await version();

    // Customer: wrong domain and malformed GUID (typed), a form missing a field, an empty domain.
    const customerTitle = en.t('dialogs.customer.title');
    const customerButton = actionTitled(replies[0], en.t('dialogs.common.continueButton'));
    await refused(
      'not_a_domain 1234-abcd',
      `${en.t('dialogs.customer.badDomain', { value: literal('not_a_domain') })}\n\n${en.t('dialogs.common.badGuid', { value: '1234-abcd', field: en.t('dialogs.labels.customerTenantId') })}`,
      customerTitle,
    );
    await refused(
      submit(customerButton, { customerDomain: 'fabrikam.onmicrosoft.com', customerTenantId: '33333333-3333-4333-8333-33333333333' }),
      en.t('dialogs.common.badGuid', { value: '33333333-3333-4333-8333-33333333333', field: en.t('dialogs.labels.customerTenantId') }),
      customerTitle,
    );
    await refused(
      submit(customerButton, { customerDomain: 'fabrikam.onmicrosoft.com' }),
      en.t('dialogs.form.missing', { fields: 'customerTenantId' }),
      customerTitle,
    );
    await refused(
      submit(customerButton, { customerDomain: '  ', customerTenantId: CUSTOMER_TENANT }),
      en.t('dialogs.common.required', { field: en.t('dialogs.labels.customerDomain') }),
      customerTitle,
    );
    let claim = await reviewerView(draft.id);
    assert.equal(claim.version, saved);
    assert.equal(claim.details.customerDomain, undefined);
    assert.equal(claim.details.customerTenantId, undefined);
    replies = await e2e.say(PARTNER, submit(customerButton, { customerDomain: 'fabrikam.onmicrosoft.com', customerTenantId: CUSTOMER_TENANT }));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.workloads.title'));
    saved = await version();

    // Workloads: unknown names, a forged field, nothing chosen.
    const workloadsTitle = en.t('dialogs.workloads.title');
    const workloadsButton = actionTitled(replies[0], en.t('dialogs.common.continueButton'));
    await refused(
      'Teams, Minesweeper',
      en.t('dialogs.workloads.unknown', {
        unknown: 'Minesweeper',
        program: programName('OSU-M365'),
        options: 'Exchange, SharePoint, Teams, Intune, Microsoft 365 Apps, Viva, Defender, Entra ID P1, Entra ID P2, Purview, Windows',
      }),
      workloadsTitle,
    );
    await refused(submit(workloadsButton, { workloads: 'Teams', program: 'OSA' }), en.t('dialogs.form.unexpected', { fields: 'program' }), workloadsTitle);
    await refused(submit(workloadsButton, { workloads: '' }), en.t('dialogs.workloads.required'), workloadsTitle);
    assert.equal(await version(), saved);
    assert.equal((await reviewerView(draft.id)).details.workloads, undefined);
    replies = await e2e.say(PARTNER, 'Teams');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
    saved = await version();

    // Contacts: an empty name and a bad email, fields that were not asked for.
    const contactsTitle = en.t('dialogs.contacts.heading');
    const contactsButton = actionTitled(replies[0], en.t('dialogs.common.continueButton'));
    await refused(
      submit(contactsButton, { ...CONTACTS, customerName: '   ', partnerEmail: 'pat-at-contoso' }),
      [
        en.t('dialogs.contacts.required', { who: en.t('dialogs.labels.customerContact'), field: en.t('dialogs.contacts.name') }),
        en.t('dialogs.contacts.badEmail', { who: en.t('dialogs.labels.partnerContact'), value: 'pat-at-contoso' }),
      ].join('\n\n'),
      contactsTitle,
    );
    await refused(
      submit(contactsButton, { ...CONTACTS, technicalName: 'Someone', technicalEmail: 'someone@fabrikam.com' }),
      en.t('dialogs.form.unexpected', { fields: 'technicalName, technicalEmail' }),
      contactsTitle,
    );
    assert.equal(await version(), saved);
    assert.equal((await reviewerView(draft.id)).details.customerContact, undefined);
    replies = await e2e.say(PARTNER, submit(contactsButton, CONTACTS));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.poe.title'));
    saved = await version();

    // PoE: a wrong type (never downloaded), an oversized file, a file whose content is not its
    // type, "done" with nothing uploaded.
    replies = await e2e.say(PARTNER, fileFrom(e2e, 'setup.exe', Buffer.from('MZ')));
    assert.equal(replies.length, 1);
    assert.equal(
      textOf(replies[0]),
      `${en.t('dialogs.poe.problem.file-type', { name: 'setup.exe', types: 'PDF, DOCX, XLSX, PPTX, PNG, JPG, EML, and MSG', max: '10 MB' })}\n\n${en.t('dialogs.poe.tryAgain')}`,
    );
    assert.deepEqual(e2e.files.requests, [], 'a refused type is never downloaded');
    replies = await e2e.say(PARTNER, fileFrom(e2e, 'huge.pdf', Buffer.alloc(10 * 1024 * 1024 + 1, 0x25)));
    assert.equal(textOf(replies[0]), `${en.t('dialogs.poe.problem.file-too-large', { name: 'huge.pdf', max: '10 MB' })}\n\n${en.t('dialogs.poe.tryAgain')}`);
    // Issue 16: an HTML page named .pdf is downloaded, read, and refused by its content.
    replies = await e2e.say(PARTNER, fileFrom(e2e, 'invoice.pdf', Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>')));
    assert.equal(
      textOf(replies[0]),
      `${en.t('dialogs.poe.problem.file-type', { name: 'invoice.pdf', types: 'PDF, DOCX, XLSX, PPTX, PNG, JPG, EML, and MSG', max: '10 MB' })}\n\n${en.t('dialogs.poe.tryAgain')}`,
    );
    await refused('done', en.t('dialogs.poe.needOne'), en.t('dialogs.poe.title'));
    claim = await reviewerView(draft.id);
    assert.equal(claim.version, saved);
    assert.equal(claim.poe.length, 0);
    assert.deepEqual(await storedFilesIn(e2e.dataDir, 'poe'), [], 'no bytes are kept for a refused file');

    // The claim is still a complete-able draft: a good file and the flow goes on.
    replies = await e2e.say(PARTNER, fileFrom(e2e, 'ack.pdf', PDF));
    assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.poe.received', { name: 'ack.pdf', size: '0.1 kB' })));
    replies = await e2e.say(PARTNER, 'done');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.summary.title', { claimId: draft.id }));
    assert.equal(await e2e.app.repository.count(), 1);
    assert.equal((await reviewerView(draft.id)).status, 'Draft');
  });

  it("an unknown claim id, another organisation's claim, and forged card submits are refused; nothing changes", async () => {
    // Northwind files a claim of its own (directly on the service: its conversation is not under test).
    const northwind = await e2e.app.claims.create(actorOf(OTHER_PARTNER), {
      program: 'OSU-M365',
      activity: 'Usage',
      partnerId: '7700001',
      customerDomain: 'tailspin.onmicrosoft.com',
      customerTenantId: CUSTOMER_TENANT,
      workloads: ['Teams'],
    });
    const ours = await walkCreateClaim(e2e, PARTNER, 'submitted');
    const mine = await reviewerView(ours.claimId);
    assert.equal(mine.status, 'Submitted');
    const snapshot = async () => JSON.stringify([await reviewerView(mine.id), await reviewerView(northwind.id)]);
    const before = await snapshot();

    // An unknown claim id, by text command.
    for (const command of [`claim ${UNKNOWN_ID}`, `history ${UNKNOWN_ID}`, `comment ${UNKNOWN_ID} hello`]) {
      const replies = await e2e.say(PARTNER, command);
      assert.equal(replies.length, 1, command);
      assertShows(cardIn(replies[0]), en.t('errors.not-found', { claimId: UNKNOWN_ID }));
    }
    let replies = await e2e.say(PARTNER, `withdraw ${UNKNOWN_ID}`);
    assert.equal(replies.length, 1);
    assert.ok(JSON.stringify(replies[0]).includes(UNKNOWN_ID), 'the withdraw dialog names the unknown id');
    assert.equal(textOf(replies[0]), en.t('errors.not-found', { claimId: UNKNOWN_ID }));

    // Another organisation's claim: not shown, not changed, by command or by card, and answered
    // exactly as an id that does not exist (issue 16: ids are sequential; "not yours" confirms one).
    const sameAs = (theirs: unknown, unknown: unknown) =>
      assert.equal(JSON.stringify(theirs).replaceAll(northwind.id, '<id>'), JSON.stringify(unknown).replaceAll(UNKNOWN_ID, '<id>'));
    for (const command of ['claim', 'history', 'comment', 'withdraw']) {
      const theirs = await e2e.say(PARTNER, `${command} ${northwind.id} mine now`);
      const missing = await e2e.say(PARTNER, `${command} ${UNKNOWN_ID} mine now`);
      assert.equal(theirs.length, 1, command);
      // What a person reads: the same sentences, the id they typed aside.
      sameAs(theirs.map(cardStrings), missing.map(cardStrings));
      assert.ok(!JSON.stringify(theirs[0]).includes('tailspin'), 'nothing of the other claim leaks');
    }
    replies = await e2e.say(PARTNER, `withdraw ${northwind.id}`);
    assert.equal(textOf(replies[0]), en.t('errors.not-found', { claimId: northwind.id }));
    for (const verb of ['withdraw', 'refreshClaim']) {
      const theirs = await e2e.click(PARTNER, verb, { claimId: northwind.id, version: northwind.version });
      const missing = await e2e.click(PARTNER, verb, { claimId: UNKNOWN_ID, version: northwind.version });
      assert.deepEqual(invokeError(theirs, 400), { code: 'not-found', message: en.t('errors.not-found', { claimId: northwind.id }) });
      sameAs(theirs, missing);
    }
    // Forged card submits: an extra field, a missing field, a verb that does not exist.
    let response = await e2e.click(REVIEWER, 'startReview', { claimId: mine.id, version: mine.version, status: 'Approved' });
    assert.deepEqual(invokeError(response, 400), {
      code: 'validation',
      message: en.t('errors.validation', { issues: describeIssues(en, [{ field: 'status', problem: 'unknown-field' }]) }),
    });
    response = await e2e.click(REVIEWER, 'startReview', { claimId: mine.id });
    assert.deepEqual(invokeError(response, 400), {
      code: 'validation',
      message: en.t('errors.validation', { issues: describeIssues(en, [{ field: 'version', problem: 'required' }]) }),
    });
    response = await e2e.click(REVIEWER, 'requestInformation', { claimId: mine.id, version: mine.version, infoReasons: 'bribery', infoComment: 'x' });
    assert.equal(invokeError(response, 400).code, 'validation');
    response = await e2e.click(REVIEWER, 'deleteEverything', { claimId: mine.id, version: mine.version });
    assert.equal(invokeError(response, 400).code, 'validation');
    // A partner cannot use a reviewer's verb on their own claim.
    response = await e2e.click(PARTNER, 'approve', { claimId: mine.id, version: mine.version });
    assert.deepEqual(invokeError(response, 403), { code: 'not-allowed', message: en.t('errors.not-allowed') });

    // The Action.Submit fallback path (a message with a verb) is checked the same way.
    replies = await e2e.say(PARTNER, {
      text: undefined,
      value: { verb: 'withdraw', claimId: mine.id, version: mine.version, partnerTenantId: OTHER_PARTNER_TENANT },
    });
    assert.equal(replies.length, 1);
    assert.equal(textOf(replies[0]), en.t('errors.validation', { issues: describeIssues(en, [{ field: 'partnerTenantId', problem: 'unknown-field' }]) }));

    assert.equal(await snapshot(), before, 'neither claim changed');
    assert.equal(await e2e.app.repository.count(), 2);
    assert.deepEqual(
      e2e.logs.filter((line) => line.startsWith('turn failed') || line.startsWith('card action failed')),
      [],
    );
  });
});
