import assert from 'node:assert/strict';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { claimAt, createHarness, otherPartner, partner, bizAppsDetails, type Harness } from '../support/serviceHarness.js';
import {
  actionTitled,
  cardJson,
  cardTitle,
  createDialogHarness,
  fileMessage,
  startFileHost,
  submit,
  textOf,
  type DialogHarness,
  type FileHost,
} from './support/dialogHarness.js';

// Edit, respond, dispute and withdraw on claims in the statuses that allow them (and not).

const en = translatorFor('en');
const PDF = Buffer.from('%PDF-1.7\nnew evidence\n%%EOF\n');

describe('claim action dialogs', () => {
  let bot: DialogHarness;
  let host: FileHost;
  let service: Harness;

  beforeEach(async () => {
    service = await createHarness();
    bot = await createDialogHarness({ service });
    host = await startFileHost();
  });
  afterEach(async () => {
    await host.close();
    await bot.cleanup();
  });

  describe('edit', () => {
    it('a draft: change a field from the menu, then Done leads to the summary', async () => {
      const claim = await claimAt(service, 'Draft');
      let replies = await bot.say(`edit ${claim.id}`);
      assert.equal(cardTitle(replies[0]), en.t('dialogs.edit.title', { claimId: claim.id }));
      const menu = replies[0];
      for (const field of ['program', 'partnerId', 'customer', 'workloads', 'contacts', 'poe']) {
        actionTitled(menu, en.t(`dialogs.edit.fields.${field}`));
      }
      replies = await bot.say(submit(actionTitled(menu, en.t('dialogs.edit.fields.workloads'))));
      assert.equal(cardTitle(replies[0]), en.t('dialogs.workloads.title'));
      assert.ok(cardJson(replies[0]).includes('"value":"Teams,Exchange"'), 'the current workloads are pre-selected');
      replies = await bot.say('Teams, Viva');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.edit.title', { claimId: claim.id }));
      assert.deepEqual((await service.service.get(bot.actor, claim.id)).details.workloads, ['Teams', 'Viva']);
      replies = await bot.say('done');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.summary.title', { claimId: claim.id }));
    });

    it('a submitted claim offers only PartnerID, workloads, contacts and PoE; a forged field is refused', async () => {
      const claim = await claimAt(service, 'Submitted');
      let replies = await bot.say(`edit ${claim.id}`);
      const titles = (JSON.parse(cardJson(replies[0])) as { actions: { title: string }[] }).actions.map((action) => action.title);
      assert.deepEqual(
        titles,
        ['partnerId', 'workloads', 'contacts', 'poe', 'done'].map((field) =>
          field === 'done' ? en.t('dialogs.edit.doneButton') : en.t(`dialogs.edit.fields.${field}`),
        ),
      );
      const forged = actionTitled(replies[0], en.t('dialogs.edit.fields.workloads'));
      replies = await bot.say({ value: { ...forged.data, field: 'program' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.invalid'));
      replies = await bot.say(fileMessage('more.pdf', host.put('more.pdf', PDF)));
      assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.poe.received', { name: 'more.pdf', size: '0.1 kB' })));
      replies = await bot.say('done');
      assert.equal(textOf(replies[0]), en.t('dialogs.edit.done', { claimId: claim.id }));
      const after = await service.service.get(bot.actor, claim.id);
      assert.equal(after.poe.length, 2);
      assert.equal(after.details.program, 'OSU-M365');
    });

    it('a claim in review cannot be edited: the localized reason, no dialog', async () => {
      const claim = await claimAt(service, 'InReview');
      const replies = await bot.say(`edit ${claim.id}`);
      assert.equal(textOf(replies[0]), en.t('errors.invalid-transition', { status: en.t('claims.status.InReview') }));
      assert.equal(textOf((await bot.say('done'))[0]), en.t('bot.notUnderstood', { text: 'done' }), 'no dialog took the answer');
    });

    it('partner-center-2023: a submitted claim is not editable', async () => {
      const strict = await createHarness({ policy: 'partner-center-2023' });
      const strictBot = await createDialogHarness({ service: strict });
      try {
        const claim = await claimAt(strict, 'Submitted');
        const replies = await strictBot.say(`edit ${claim.id}`);
        assert.equal(textOf(replies[0]), en.t('errors.invalid-transition', { status: en.t('claims.status.Submitted') }));
      } finally {
        await strictBot.cleanup();
      }
    });

    it("another organisation's claim and an unknown id are refused", async () => {
      const theirs = await claimAt(service, 'Draft', { program: 'OSU-M365', partnerId: '7700001' }, otherPartner());
      let replies = await bot.say(`edit ${theirs.id}`);
      // Answered as an unknown id (issue 16).
      assert.equal(textOf(replies[0]), en.t('errors.not-found', { claimId: theirs.id }));
      replies = await bot.say('edit CPOR-2026-999999');
      assert.equal(textOf(replies[0]), en.t('errors.not-found', { claimId: 'CPOR-2026-999999' }));
    });
  });

  describe('respond', () => {
    it('shows the reasons, takes a file and a comment, then resubmits', async () => {
      const claim = await claimAt(service, 'PartnerActionRequired');
      let replies = await bot.say(`respond ${claim.id}`);
      assert.equal(cardTitle(replies[0]), en.t('dialogs.respond.title', { claimId: claim.id }));
      assert.ok(cardJson(replies[0]).includes(en.t('claims.informationReason.missing-customer-acknowledgement')));
      assert.ok(cardJson(replies[0]).includes('Please attach the signed acknowledgement.'));
      replies = await bot.say('resubmit');
      assert.equal(textOf(replies[0]), en.t('dialogs.respond.nothingAdded'));
      replies = await bot.say(fileMessage('signed.pdf', host.put('signed.pdf', PDF)));
      assert.equal(textOf(replies[0]), `${en.t('dialogs.poe.received', { name: 'signed.pdf', size: '0.1 kB' })}\n\n${en.t('dialogs.respond.more')}`);
      replies = await bot.say('The signed letter is attached; see page 2.');
      assert.equal(textOf(replies[0]), en.t('dialogs.respond.commentNoted'));
      replies = await bot.say('resubmit');
      const after = await service.service.get(bot.actor, claim.id);
      assert.equal(after.status, 'InReview');
      assert.equal(textOf(replies[0]), en.t('dialogs.respond.done', { claimId: claim.id, due: en.formatInstant(after.deadlines.reviewDecision!, 'UTC') }));
      assert.equal(after.poe.length, 2);
      assert.equal(after.comments.at(-1)?.text, 'The signed letter is attached; see page 2.');
    });

    it('the card form resubmits with its comment; a forged field changes nothing', async () => {
      const claim = await claimAt(service, 'PartnerActionRequired');
      const replies = await bot.say(`respond ${claim.id}`);
      const button = actionTitled(replies[0], en.t('dialogs.respond.resubmitButton'));
      let answer = await bot.say(submit(button, { comment: 'Dates fixed.', status: 'Approved' }));
      assert.equal(textOf(answer[0]), en.t('dialogs.form.unexpected', { fields: 'status' }));
      assert.equal((await service.service.get(bot.actor, claim.id)).version, claim.version);
      answer = await bot.say(submit(button, { comment: 'Dates fixed.' }));
      assert.equal((await service.service.get(bot.actor, claim.id)).status, 'InReview');
      assert.ok(textOf(answer[0]).includes(claim.id));
    });

    it('is refused for a claim that was not asked for information', async () => {
      const claim = await claimAt(service, 'Submitted');
      const replies = await bot.say(`respond ${claim.id}`);
      assert.equal(textOf(replies[0]), en.t('errors.invalid-transition', { status: en.t('claims.status.Submitted') }));
    });
  });

  describe('dispute', () => {
    it('holds new PoE and sends it with the justification', async () => {
      const claim = await claimAt(service, 'Rejected');
      let replies = await bot.say(`dispute ${claim.id}`);
      assert.equal(cardTitle(replies[0]), en.t('dialogs.dispute.title', { claimId: claim.id }));
      assert.ok(cardJson(replies[0]).includes(en.t('claims.rejectionReason.insufficient-poe')));
      replies = await bot.say(fileMessage('page3.pdf', host.put('page3.pdf', PDF)));
      assert.equal(textOf(replies[0]), `${en.t('dialogs.poe.received', { name: 'page3.pdf', size: '0.1 kB' })}\n\n${en.t('dialogs.dispute.more')}`);
      assert.equal((await service.service.get(bot.actor, claim.id)).poe.length, 1, 'held, not yet attached');
      const button = actionTitled((await bot.say('back'))[1], en.t('dialogs.dispute.disputeButton'));
      replies = await bot.say(submit(button, { justification: 'The acknowledgement is on page 3.' }));
      const after = await service.service.get(bot.actor, claim.id);
      assert.equal(after.status, 'Disputed');
      assert.equal(after.poe.length, 2);
      assert.equal(textOf(replies[0]), en.t('dialogs.dispute.done', { claimId: claim.id, due: en.formatInstant(after.deadlines.disputeDecision!, 'UTC') }));
    });

    it('needs a justification or a file; an incentives-user may not dispute', async () => {
      const claim = await claimAt(service, 'Rejected');
      let replies = await bot.say(`dispute ${claim.id}`);
      replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.dispute.disputeButton')), { justification: '' }));
      assert.equal(textOf(replies[0]), en.t('dialogs.dispute.nothingAdded'));
      const userBot = await createDialogHarness({ service, actor: partner('incentives-user') });
      replies = await userBot.say(`dispute ${claim.id}`);
      assert.equal(textOf(replies[0]), en.t('errors.not-allowed'));
    });
  });

  describe('withdraw', () => {
    it('asks first: no keeps the claim, the form with a reason withdraws it', async () => {
      const claim = await claimAt(service, 'Submitted', bizAppsDetails());
      let replies = await bot.say(`withdraw ${claim.id}`);
      assert.equal(cardTitle(replies[0]), en.t('dialogs.withdraw.title', { claimId: claim.id }));
      assert.ok(cardJson(replies[0]).includes(en.t('dialogs.withdraw.text', { status: en.t('claims.status.Submitted') })));
      replies = await bot.say('maybe');
      assert.equal(textOf(replies[0]), en.t('dialogs.withdraw.yesOrNo'));
      replies = await bot.say('no');
      assert.equal(textOf(replies[0]), en.t('dialogs.withdraw.kept', { claimId: claim.id }));
      assert.equal((await service.service.get(bot.actor, claim.id)).status, 'Submitted');

      replies = await bot.say(`withdraw ${claim.id}`);
      replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.withdraw.confirmButton')), { reason: 'Customer chose another partner.' }));
      const after = await service.service.get(bot.actor, claim.id);
      assert.equal(after.status, 'Rejected');
      assert.equal(after.rejection?.reason, 'partner-request');
      assert.equal(textOf(replies[0]), en.t('dialogs.withdraw.done', { claimId: claim.id }));
    });

    it('a draft cannot be withdrawn', async () => {
      const claim = await claimAt(service, 'Draft');
      const replies = await bot.say(`withdraw ${claim.id}`);
      assert.equal(textOf(replies[0]), en.t('errors.invalid-transition', { status: en.t('claims.status.Draft') }));
    });
  });
});
