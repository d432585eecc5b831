import { PROGRAMS, programName, programShortName } from '../../services/catalogue.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { CUSTOMER_TENANT, SUBSCRIPTION } from '../support/serviceHarness.js';
import {
  actionTitled,
  cardOf,
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
import { literal } from '../../cards/markdown.js';
import { storedFilesIn } from '../support/storedFiles.js';

// The create-claim dialog end to end, with a real claim service, FileStorage and a local
// stand-in for SharePoint: every reply checked, bad input at every step, back, cancel, restart.

const en = translatorFor('en');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
const CONTACTS = {
  customerName: 'Dana Customer',
  customerTitle: 'IT Director',
  customerEmail: 'dana@fabrikam.com',
  partnerName: 'Pat Partner',
  partnerEmail: 'pat@contoso.com',
};
const TECHNICAL = { technicalName: 'Tech Person', technicalTitle: '', technicalEmail: 'tech@fabrikam.com' };

describe('create-claim dialog', () => {
  let bot: DialogHarness;
  let host: FileHost;

  beforeEach(async () => {
    bot = await createDialogHarness();
    host = await startFileHost();
  });
  afterEach(async () => {
    await host.close();
    await bot.cleanup();
  });

  const draft = async () => {
    const { claims } = await bot.service.service.listForPartner(bot.actor);
    return claims;
  };

  /** Walks an M365 claim to the named step and returns the replies that asked for it. */
  async function walkTo(step: 'program' | 'partnerId' | 'customer' | 'workloads' | 'contacts' | 'poe' | 'summary'): Promise<Partial<Activity>[]> {
    let replies = await bot.say('new claim');
    if (step === 'program') return replies;
    replies = await bot.say(submit(actionTitled(replies[1], programShortName('OSU-M365'))));
    if (step === 'partnerId') return replies;
    replies = await bot.say(submit(actionTitled(replies[1], '4512345')));
    if (step === 'customer') return replies;
    replies = await bot.say(`fabrikam.onmicrosoft.com ${CUSTOMER_TENANT}`);
    if (step === 'workloads') return replies;
    replies = await bot.say('Teams, exchange');
    if (step === 'contacts') return replies;
    replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), CONTACTS));
    if (step === 'poe') return replies;
    await bot.say(fileMessage('ack.pdf', host.put('ack.pdf', PDF)));
    return bot.say('done');
  }

  it('names each program in full in the text and short on its button, so no button is cut off', async () => {
    const replies = await bot.say('new claim');
    const card = cardOf(replies[1]);
    for (const program of PROGRAMS) {
      assert.ok(cardJson(replies[1]).includes(programName(program)), `${program} in full`);
      assert.ok(actionTitled(replies[1], programShortName(program)).title.length <= 30, `${program}'s button`);
    }
    assert.deepEqual(
      card.actions?.map((action) => action.title).slice(0, PROGRAMS.length),
      PROGRAMS.map((program) => programShortName(program)),
    );
  });

  it('files a Business Applications claim from program to submission, every reply checked', async () => {
    let replies = await bot.say('new claim');
    assert.equal(replies.length, 2);
    assert.equal(textOf(replies[0]), en.t('dialogs.create.intro'));
    assert.equal(cardTitle(replies[1]), en.t('dialogs.program.title'));
    assert.equal((await draft()).length, 0, 'nothing is stored before the first answer');

    replies = await bot.say(submit(actionTitled(replies[1], programShortName('OSU-BizApps'))));
    const [created] = await draft();
    assert.ok(created);
    assert.equal(replies.length, 2);
    assert.equal(textOf(replies[0]), en.t('dialogs.program.created', { claimId: created.id }));
    assert.equal(cardTitle(replies[1]), en.t('dialogs.activity.title'));
    assert.equal(created.details.program, 'OSU-BizApps');

    replies = await bot.say(submit(actionTitled(replies[1], en.t('dialogs.activities.revenueAssociation'))));
    assert.equal(replies.length, 1);
    assert.equal(cardTitle(replies[0]), en.t('dialogs.partnerId.title'));

    replies = await bot.say(submit(actionTitled(replies[0], '4512346')));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.customer.title'));

    replies = await bot.say(
      submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), {
        customerDomain: 'Fabrikam.onmicrosoft.com',
        customerTenantId: CUSTOMER_TENANT,
      }),
    );
    assert.equal(cardTitle(replies[0]), en.t('dialogs.subscription.title'));

    replies = await bot.say(SUBSCRIPTION);
    assert.equal(cardTitle(replies[0]), en.t('dialogs.workloads.title'));
    assert.ok(cardJson(replies[0]).includes('Dynamics 365 Sales'));
    assert.ok(!cardJson(replies[0]).includes('"Exchange"'), 'only the program catalogue is offered');

    replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), { workloads: 'Dynamics 365 Sales,Power BI' }));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
    assert.ok(cardJson(replies[0]).includes('"technicalEmail"'), 'Dynamics 365 asks for a technical contact');

    replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), { ...CONTACTS, ...TECHNICAL }));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.poe.title'));
    // SPEC 5a: what reviewers check, shown when the PoE is asked for.
    for (const item of ['title', 'belongs', 'acknowledgement', 'dates', 'solution', 'products']) {
      assert.ok(cardJson(replies[0]).includes(en.t(`claims.poeChecklist.${item}`)), item);
    }

    replies = await bot.say(fileMessage('Signed acknowledgement.pdf', host.put('ack.pdf', PDF)));
    assert.equal(replies.length, 1);
    assert.equal(textOf(replies[0]), `${en.t('dialogs.poe.received', { name: 'Signed acknowledgement.pdf', size: '0.1 kB' })}\n\n${en.t('dialogs.poe.more')}`);

    replies = await bot.say('done');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.summary.title', { claimId: created.id }));
    const summary = cardJson(replies[0]);
    for (const shown of ['fabrikam.onmicrosoft.com', SUBSCRIPTION, 'Dynamics 365 Sales, Power BI', 'Tech Person, tech@fabrikam.com', '4512346']) {
      assert.ok(summary.includes(shown), `the summary shows ${shown}`);
    }
    assert.ok(!summary.includes(en.t('dialogs.summary.missing', { issues: '' }).slice(0, 20)), 'nothing is missing');

    replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.summary.submitButton'))));
    const claim = await bot.service.service.get(bot.actor, created.id);
    assert.equal(claim.status, 'Submitted');
    assert.equal(replies.length, 1);
    assert.equal(textOf(replies[0]), en.t('dialogs.summary.submitted', { claimId: claim.id, due: en.formatInstant(claim.deadlines.reviewStart!, 'UTC') }));
    assert.deepEqual(claim.details.workloads, ['Dynamics 365 Sales', 'Power BI']);
    assert.equal(claim.details.customerDomain, 'fabrikam.onmicrosoft.com');
    assert.deepEqual(claim.details.technicalContact, { name: 'Tech Person', email: 'tech@fabrikam.com' });

    const [file] = claim.poe;
    assert.ok(file);
    assert.equal(file.size, PDF.length);
    assert.equal(file.contentType, 'application/pdf');
    const stored = await readFile(join(bot.service.dataDir, file.storagePath));
    assert.deepEqual(stored, PDF);
    assert.equal(file.sha256, createHash('sha256').update(PDF).digest('hex'));
    assert.match(file.storagePath, new RegExp(`^poe/${claim.id}/[0-9a-f-]{36}-Signed_acknowledgement\\.pdf$`));

    assert.equal(textOf((await bot.say('done'))[0]), en.t('bot.notUnderstood', { text: 'done' }), 'the dialog has ended');
  });

  it('saves as a draft from the summary', async () => {
    const replies = await walkTo('summary');
    const [claim] = await draft();
    const saved = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.summary.draftButton'))));
    assert.equal(textOf(saved[0]), en.t('dialogs.summary.saved', { claimId: claim!.id }));
    assert.equal((await bot.service.service.get(bot.actor, claim!.id)).status, 'Draft');
  });

  describe('bad input at every step is explained and changes nothing', () => {
    it('program: unknown, forged and stale choices', async () => {
      const first = await bot.say('new claim');
      let replies = await bot.say('Online Services Everything');
      assert.equal(textOf(replies[0]), en.t('dialogs.common.pickOne', { options: en.formatList(PROGRAMS.map((p) => programName(p))) }));
      assert.equal(cardTitle(replies[1]), en.t('dialogs.program.title'));

      const button = actionTitled(first[1], programShortName('OSA'));
      replies = await bot.say({ value: { ...button.data, partnerTenantId: 'someone-else' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.unexpected', { fields: 'partnerTenantId' }));
      replies = await bot.say({ value: { ...button.data, choice: 'OSX' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.invalid'));
      replies = await bot.say({ value: { form: button.data.form, step: 'program', action: 'choose' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.missing', { fields: 'choice' }));
      replies = await bot.say({ value: { ...button.data, step: 'summary' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.oldCard'));
      replies = await bot.say({ value: { anything: 'else' } });
      assert.equal(textOf(replies[0]), en.t('dialogs.form.notOurs'));
      assert.equal((await draft()).length, 0, 'no draft was created by any of them');

      replies = await bot.say('2');
      assert.equal(textOf(replies[0]), en.t('dialogs.program.created', { claimId: (await draft())[0]!.id }), 'a number picks the option');
    });

    it('customer: wrong domain, malformed GUID, missing form field', async () => {
      const asked = await walkTo('customer');
      const [before] = await draft();
      let replies = await bot.say('not_a_domain 1234-abcd');
      assert.equal(
        textOf(replies[0]),
        `${en.t('dialogs.customer.badDomain', { value: literal('not_a_domain') })}\n\n${en.t('dialogs.common.badGuid', { value: '1234-abcd', field: en.t('dialogs.labels.customerTenantId') })}`,
      );
      assert.equal(cardTitle(replies[1]), en.t('dialogs.customer.title'));
      replies = await bot.say('fabrikam.onmicrosoft.com');
      assert.equal(textOf(replies[0]), en.t('dialogs.customer.typeHint'));
      const button = actionTitled(asked[0], en.t('dialogs.common.continueButton'));
      replies = await bot.say(submit(button, { customerDomain: 'fabrikam.onmicrosoft.com' }));
      assert.equal(textOf(replies[0]), en.t('dialogs.form.missing', { fields: 'customerTenantId' }));
      replies = await bot.say(submit(button, { customerDomain: '', customerTenantId: CUSTOMER_TENANT }));
      assert.equal(textOf(replies[0]), en.t('dialogs.common.required', { field: en.t('dialogs.labels.customerDomain') }));
      replies = await bot.say(submit(button, { customerDomain: 'fabrikam.com', customerTenantId: CUSTOMER_TENANT, subscriptionId: SUBSCRIPTION }));
      assert.equal(textOf(replies[0]), en.t('dialogs.form.unexpected', { fields: 'subscriptionId' }));
      const [after] = await draft();
      assert.equal(after!.version, before!.version, 'the draft did not change');
      assert.equal(after!.details.customerDomain, undefined);
    });

    it('subscription: malformed GUID', async () => {
      let replies = await bot.say('new claim');
      replies = await bot.say(submit(actionTitled(replies[1], programShortName('OSA'))));
      replies = await bot.say(submit(actionTitled(replies[1], en.t('dialogs.activities.presales'))));
      assert.equal(cardTitle(replies[0]), en.t('dialogs.partnerId.title'));
      replies = await bot.say('4512345');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.customer.title'));
      replies = await bot.say(`fabrikam.onmicrosoft.com ${CUSTOMER_TENANT}`);
      assert.equal(cardTitle(replies[0]), en.t('dialogs.subscription.title'));
      const [before] = await draft();
      replies = await bot.say('66666666-6666-4666-8666');
      assert.equal(textOf(replies[0]), en.t('dialogs.common.badGuid', { value: '66666666-6666-4666-8666', field: en.t('dialogs.labels.subscriptionId') }));
      assert.equal((await draft())[0]!.version, before!.version);
    });

    it('workloads: unknown, from another program, forged field', async () => {
      const asked = await walkTo('workloads');
      const [before] = await draft();
      let replies = await bot.say('Teams, Power BI, Minesweeper');
      assert.equal(
        textOf(replies[0]),
        en.t('dialogs.workloads.unknown', {
          unknown: en.formatList(['Power BI', 'Minesweeper']),
          program: programName('OSU-M365'),
          options: 'Exchange, SharePoint, Teams, Intune, Microsoft 365 Apps, Viva, Defender, Entra ID P1, Entra ID P2, Purview, Windows',
        }),
      );
      const button = actionTitled(asked[0], en.t('dialogs.common.continueButton'));
      replies = await bot.say(submit(button, { workloads: 'Teams', program: 'OSA' }));
      assert.equal(textOf(replies[0]), en.t('dialogs.form.unexpected', { fields: 'program' }));
      replies = await bot.say(submit(button, { workloads: '' }));
      assert.equal(textOf(replies[0]), en.t('dialogs.workloads.required'));
      assert.equal((await draft())[0]!.version, before!.version);
    });

    it('contacts: empty name, bad email, typed text, technical fields not asked for', async () => {
      const asked = await walkTo('contacts');
      const [before] = await draft();
      const button = actionTitled(asked[0], en.t('dialogs.common.continueButton'));
      let replies = await bot.say(submit(button, { ...CONTACTS, customerName: '  ', partnerEmail: 'pat-at-contoso' }));
      assert.equal(
        textOf(replies[0]),
        [
          en.t('dialogs.contacts.required', { who: en.t('dialogs.labels.customerContact'), field: en.t('dialogs.contacts.name') }),
          en.t('dialogs.contacts.badEmail', { who: en.t('dialogs.labels.partnerContact'), value: 'pat-at-contoso' }),
        ].join('\n\n'),
      );
      assert.equal(cardTitle(replies[1]), en.t('dialogs.contacts.heading'));
      // Only the two bad fields are marked, each under itself; everything typed is still there.
      const marks = fieldMarks(cardOf(replies[1]));
      assert.deepEqual(marks, { customerName: en.t('dialogs.contacts.requiredShort'), partnerEmail: en.t('dialogs.contacts.badEmailShort') });
      assert.ok(cardJson(replies[1]).includes(`"value":"${CONTACTS.customerEmail}"`), 'a good field keeps its value');
      assert.ok(cardJson(replies[1]).includes('"value":"pat-at-contoso"'), 'the bad one shows what was typed');
      replies = await bot.say(submit(button, { ...CONTACTS, ...TECHNICAL }));
      assert.equal(textOf(replies[0]), en.t('dialogs.form.unexpected', { fields: 'technicalName, technicalTitle, technicalEmail' }));
      replies = await bot.say('Dana, dana@fabrikam.com');
      assert.equal(textOf(replies[0]), en.t('dialogs.contacts.useForm'));
      assert.equal((await draft())[0]!.version, before!.version);
    });

    it('PoE: wrong type, oversized, nothing sent, a file at another step', async () => {
      await walkTo('poe');
      const [before] = await draft();
      let replies = await bot.say(fileMessage('setup.exe', host.put('setup.exe', Buffer.from('MZ'))));
      assert.equal(
        textOf(replies[0]),
        `${en.t('dialogs.poe.problem.file-type', { name: 'setup.exe', types: 'PDF, DOCX, XLSX, PPTX, PNG, JPG, EML, and MSG', max: '10 MB' })}\n\n${en.t('dialogs.poe.tryAgain')}`,
      );
      assert.deepEqual(host.requests, [], 'a refused type is never downloaded');

      const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
      replies = await bot.say(fileMessage('huge.pdf', host.put('huge.pdf', big)));
      assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.poe.problem.file-too-large', { name: 'huge.pdf', max: '10 MB' })));
      replies = await bot.say('done');
      assert.equal(textOf(replies[0]), en.t('dialogs.poe.needOne'));
      replies = await bot.say('here you go');
      assert.equal(textOf(replies[0]), en.t('dialogs.poe.sendFile'));
      const after = (await draft())[0]!;
      assert.equal(after.version, before!.version);
      assert.equal(after.poe.length, 0);
      assert.deepEqual(await storedFilesIn(bot.service.dataDir, 'poe'), [], 'no bytes are kept for a refused file');

      replies = await bot.say('back');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
      replies = await bot.say(fileMessage('ack.pdf', host.put('ack.pdf', PDF)));
      assert.equal(textOf(replies[0]), en.t('dialogs.poe.notNow'));
      assert.equal((await draft())[0]!.poe.length, 0);
    });

    it('summary: a stale click after someone else changed the claim is refused, then works', async () => {
      const asked = await walkTo('summary');
      const [claim] = await draft();
      await bot.service.service.update(bot.actor, claim!.id, claim!.version, { workloads: ['Teams'] });
      let replies = await bot.say(submit(actionTitled(asked[0], en.t('dialogs.summary.submitButton'))));
      assert.equal(textOf(replies[0]), en.t('errors.stale-version'));
      assert.equal((await bot.service.service.get(bot.actor, claim!.id)).status, 'Draft');
      replies = await bot.say('submit');
      assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.summary.submitted', { claimId: claim!.id, due: '' }).split(' by ')[0]!));
      assert.equal((await bot.service.service.get(bot.actor, claim!.id)).status, 'Submitted');
    });
  });

  describe('back and cancel', () => {
    it('back returns to the previous question, with what was entered', async () => {
      await walkTo('workloads');
      let replies = await bot.say('back');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.customer.title'));
      assert.ok(cardJson(replies[0]).includes(CUSTOMER_TENANT), 'the form shows the saved value');
      replies = await bot.say('back');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.partnerId.title'));
      replies = await bot.say(submit(actionTitled(replies[0], en.t('dialogs.common.backButton'))));
      assert.equal(cardTitle(replies[0]), en.t('dialogs.program.title'), 'the M365 activity step was skipped, so back skips it too');
      replies = await bot.say('back');
      assert.equal(textOf(replies[0]), en.t('dialogs.common.atStart'));
      assert.equal(cardTitle(replies[1]), en.t('dialogs.program.title'));
    });

    it('changing the program keeps only what fits the new one', async () => {
      await walkTo('contacts');
      await bot.say('back');
      await bot.say('back');
      await bot.say('back');
      let replies = await bot.say('back');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.program.title'));
      replies = await bot.say('OSU-BizApps');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.activity.title'));
      const [claim] = await draft();
      assert.equal(claim!.details.program, 'OSU-BizApps');
      assert.deepEqual(claim!.details.workloads, []);
      assert.equal(claim!.details.activity, 'Usage');
    });

    it('cancel ends the dialog and keeps the draft', async () => {
      await walkTo('customer');
      let replies = await bot.say('cancel');
      assert.equal(textOf(replies[0]), en.t('bot.cancelled'));
      const typed = `fabrikam.onmicrosoft.com ${CUSTOMER_TENANT}`;
      replies = await bot.say(typed);
      assert.equal(textOf(replies[0]), en.t('bot.notUnderstood', { text: typed }), 'nothing is listening any more');
      const [claim] = await draft();
      assert.equal(claim!.status, 'Draft');
      assert.equal(claim!.details.customerDomain, undefined);
      replies = await bot.say('cancel');
      assert.equal(textOf(replies[0]), en.t('bot.nothingToCancel'));
    });

    it('a click on a card of a cancelled dialog is answered and changes nothing', async () => {
      const asked = await walkTo('workloads');
      await bot.say('cancel');
      const replies = await bot.say(submit(actionTitled(asked[0], en.t('dialogs.common.continueButton')), { workloads: 'Teams' }));
      assert.equal(textOf(replies[0]), en.t('dialogs.form.ended'));
      assert.equal((await draft())[0]!.details.workloads, undefined);
    });

    it('a command typed at a choice step is routed and the dialog keeps its place', async () => {
      await walkTo('workloads');
      let replies = await bot.say('my claims');
      assert.equal(cardTitle(replies[0]), en.t('cards.list.title'), 'the list, from the router');
      replies = await bot.say('Teams');
      assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
    });
  });

  it('continues where it was after a restart (new service, storage and adapter on the same folder)', async () => {
    const asked = await walkTo('workloads');
    bot = await bot.restart();
    const replies = await bot.say(submit(actionTitled(asked[0], en.t('dialogs.common.continueButton')), { workloads: 'Teams,Intune' }));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
    const [claim] = await draft();
    assert.deepEqual(claim!.details.workloads, ['Teams', 'Intune']);
    assert.equal(claim!.details.customerTenantId, CUSTOMER_TENANT);
  });
});

describe('create-claim dialog in Spanish', () => {
  it('a user with locale es-ES goes through in Spanish', async () => {
    const es = translatorFor('es-ES');
    const bot = await createDialogHarness({ locale: 'es-ES' });
    const host = await startFileHost();
    try {
      let replies = await bot.say('nueva notificación');
      assert.equal(textOf(replies[0]), es.t('dialogs.create.intro'));
      assert.equal(cardTitle(replies[1]), es.t('dialogs.program.title'));
      replies = await bot.say(submit(actionTitled(replies[1], programShortName('OSU-M365'))));
      const { claims } = await bot.service.service.listForPartner(bot.actor);
      assert.equal(textOf(replies[0]), es.t('dialogs.program.created', { claimId: claims[0]!.id }));
      replies = await bot.say('4512345');
      assert.equal(cardTitle(replies[0]), es.t('dialogs.customer.title'));
      assert.ok(cardJson(replies[0]).includes(es.t('dialogs.customer.tenantHint')), 'says where the tenant ID is found');
      replies = await bot.say('fabrikam 1234');
      assert.equal(
        textOf(replies[0]),
        `${es.t('dialogs.customer.badDomain', { value: 'fabrikam' })}\n\n${es.t('dialogs.common.badGuid', { value: '1234', field: es.t('dialogs.labels.customerTenantId') })}`,
      );
      replies = await bot.say(`fabrikam.onmicrosoft.com ${CUSTOMER_TENANT}`);
      assert.equal(cardTitle(replies[0]), es.t('dialogs.workloads.title'));
      replies = await bot.say('Teams');
      assert.equal(cardTitle(replies[0]), es.t('dialogs.contacts.heading'));
      assert.ok(cardJson(replies[0]).includes(es.t('dialogs.contacts.email')));
      replies = await bot.say(submit(actionTitled(replies[0], es.t('dialogs.common.continueButton')), CONTACTS));
      assert.equal(cardTitle(replies[0]), es.t('dialogs.poe.title'));
      assert.ok(cardJson(replies[0]).includes(es.t('claims.poeChecklist.acknowledgement')));
      replies = await bot.say(fileMessage('acuse.pdf', host.put('acuse.pdf', PDF)));
      assert.equal(textOf(replies[0]), `${es.t('dialogs.poe.received', { name: 'acuse.pdf', size: '0,1 kB' })}\n\n${es.t('dialogs.poe.more')}`);
      replies = await bot.say('listo');
      assert.equal(cardTitle(replies[0]), es.t('dialogs.summary.title', { claimId: claims[0]!.id }));
      assert.ok(cardJson(replies[0]).includes(es.t('dialogs.summary.draftButton')));
      replies = await bot.say('atrás');
      assert.equal(cardTitle(replies[0]), es.t('dialogs.poe.title'));
      await bot.say('listo');
      replies = await bot.say('enviar');
      const claim = await bot.service.service.get(bot.actor, claims[0]!.id);
      assert.equal(claim.status, 'Submitted');
      assert.equal(textOf(replies[0]), es.t('dialogs.summary.submitted', { claimId: claim.id, due: es.formatInstant(claim.deadlines.reviewStart!, 'UTC') }));
    } finally {
      await host.close();
      await bot.cleanup();
    }
  });
});

describe('natural phrasing: part of a name, near misses, and mistyped commands', () => {
  for (const locale of ['en-US', 'es-ES'] as const) {
    it(`takes "Microsoft 365" for the program and offers "Exchange" for "exchnage" (${locale})`, async () => {
      const t = translatorFor(locale);
      const bot = await createDialogHarness({ locale });
      try {
        await bot.say(t.t('commands.aliases.new-claim').split('|')[0]!);
        let replies = await bot.say('Microsoft 365');
        const { claims } = await bot.service.service.listForPartner(bot.actor);
        assert.equal(claims[0]?.details.program, 'OSU-M365');
        assert.equal(textOf(replies[0]), t.t('dialogs.program.created', { claimId: claims[0]!.id }));
        await bot.say('4512345');
        await bot.say(`fabrikam.onmicrosoft.com ${CUSTOMER_TENANT}`);
        replies = await bot.say('exchnage');
        assert.match(textOf(replies[0]), new RegExp(`${escape(t.t('dialogs.common.didYouMean', { suggestion: 'Exchange' }))}$`));
        assert.equal((await bot.service.service.get(bot.actor, claims[0]!.id)).details.workloads, undefined, 'a guess is offered, not taken');
        replies = await bot.say('Exchange');
        assert.equal(cardTitle(replies[0]), t.t('dialogs.contacts.heading'));
      } finally {
        await bot.cleanup();
      }
    });

    it(`says "did you mean" for a mistyped command before the help (${locale})`, async () => {
      const t = translatorFor(locale);
      const bot = await createDialogHarness({ locale });
      try {
        const myClaims = t.t('commands.aliases.my-claims').split('|')[0]!;
        const typo = `${myClaims.slice(0, -2)}${myClaims.at(-1)}${myClaims.at(-2)}`;
        const replies = await bot.say(typo);
        assert.equal(textOf(replies[0]), t.t('bot.didYouMean', { text: typo, suggestion: myClaims }));
        assert.equal(cardTitle(replies[1]), t.t('cards.help.helpTitle'));
        const unrelated = await bot.say('zzzz qqqq');
        assert.equal(textOf(unrelated[0]), t.t('bot.notUnderstood', { text: 'zzzz qqqq' }));
      } finally {
        await bot.cleanup();
      }
    });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Each form field with a problem line under it, by the field's id. */
function fieldMarks(card: unknown): Record<string, string> {
  const marks: Record<string, string> = {};
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const items = (value as { items?: { type?: string; id?: string; text?: string; color?: string }[] }).items;
    const field = items?.find((item) => item.type === 'Input.Text');
    const mark = items?.find((item) => item.type === 'TextBlock' && item.color === 'Attention');
    if (field?.id && mark?.text) marks[field.id] = mark.text;
    Object.values(value).forEach(walk);
  };
  walk(card);
  return marks;
}
