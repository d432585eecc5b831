import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { translatorFor, type Translator } from '../../cards/i18n/i18n.js';
import type { Claim } from '../../services/model.js';
import type { TeamsUser } from '../support/botClient.js';
import { BotClient } from '../support/botClient.js';
import { CUSTOMER_TENANT } from '../support/serviceHarness.js';
import { actionTitled, cardJson, cardTitle, submit, textOf } from '../dialogs/support/dialogHarness.js';
import { assertShows, cardIn, PARTNER, PARTNER_ES, REVIEWER, startE2E, verbsOf, type E2E, type Reply } from './support/e2eApp.js';
import { CONTACTS, CUSTOMER_DOMAIN, PDF, claimsOf, fileFrom, first, walkCreateClaim } from './support/journey.js';

// Issue 3, "Done when": a partner files a claim by conversation through the real server (every
// reply checked on the stand-in connector), the conversation survives a restart half-way, and a
// Spanish user gets the same flow in Spanish.

describe('e2e: a partner files a claim by conversation', function () {
  this.timeout(60_000);
  let e2e: E2E;

  beforeEach(async () => {
    e2e = await startE2E();
  });
  afterEach(async function () {
    const failed = this.currentTest?.state === 'failed';
    if (failed && e2e.logs.length) console.error(e2e.logs.join('\n'));
    await e2e.close();
  });

  /** The claim as the reviewer (who sees every claim) reads it from the store. */
  const stored = (claimId: string): Promise<Claim> =>
    e2e.app.claims.get({ userId: REVIEWER.aadObjectId, tenantId: REVIEWER.tenantId, roles: ['reviewer'] }, claimId);

  /** "my claims" then "claim <id>", checked as the reader sees them; returns the claim card. */
  async function listAndView(person: TeamsUser, t: Translator, claim: Claim): Promise<Record<string, unknown>> {
    const zone = person.timeZone ?? 'UTC';
    let replies = await e2e.say(person, first(t, 'commands.aliases.my-claims'));
    assert.equal(replies.length, 1);
    const list = cardIn(replies[0]);
    assertShows(
      list,
      t.t('cards.list.title'),
      t.plural('cards.list.summaryAll', 1, { total: 1 }),
      claim.id,
      t.t('claims.status.Submitted'),
      `${t.t('cards.deadline.reviewStart')}: ${t.formatInstant(claim.deadlines.reviewStart!, zone)}`,
      CUSTOMER_DOMAIN,
    );

    replies = await e2e.say(person, `${first(t, 'commands.aliases.claim')} ${claim.id}`);
    assert.equal(replies.length, 1);
    const card = cardIn(replies[0]);
    assert.equal(card.version, '1.5');
    assertShows(
      card,
      t.t('cards.claim.title', { claimId: claim.id }),
      t.t('claims.status.Submitted'),
      t.t('cards.claim.deadlines'),
      t.t('cards.deadline.reviewStart'),
      t.formatInstant(claim.deadlines.reviewStart!, zone),
      t.t('cards.claim.poe'),
      'Signed acknowledgement.pdf',
      CUSTOMER_DOMAIN,
      CUSTOMER_TENANT,
      '4512345',
    );
    // What this partner may do on a Submitted claim under the default policy, and nothing a reviewer
    // does: withdrawing is for admins (SPEC section 1), so an incentives user is not offered it.
    assert.deepEqual(verbsOf(card), person === PARTNER_ES ? ['comment', 'edit'] : ['comment', 'edit', 'withdraw']);
    const refresh = card.refresh as { userIds?: string[] } | undefined;
    assert.deepEqual(refresh?.userIds, [BotClient.teamsIdOf(person)], 'the card refreshes for its reader only');
    return card;
  }

  it('creates, uploads PoE, submits, lists and sees the claim with its deadlines; every reply checked', async () => {
    const en = translatorFor('en');
    const journey = await walkCreateClaim(e2e, PARTNER, 'submitted');
    const claim = await stored(journey.claimId);

    // The submit confirmation names the review-start deadline in the partner's own time zone.
    assert.equal(claim.status, 'Submitted');
    assert.equal(
      textOf(journey.asked[0]),
      en.t('dialogs.summary.submitted', { claimId: claim.id, due: en.formatInstant(claim.deadlines.reviewStart!, 'Europe/Madrid') }),
    );
    assert.ok(!textOf(journey.asked[0]).includes('UTC'), 'shown in Madrid time, not UTC');

    // What was stored is what was answered.
    assert.equal(claim.details.program, 'OSU-M365');
    assert.equal(claim.details.activity, 'Usage');
    assert.equal(claim.details.partnerId, '4512345');
    assert.equal(claim.details.customerDomain, CUSTOMER_DOMAIN, 'the domain is stored in lower case');
    assert.equal(claim.details.customerTenantId, CUSTOMER_TENANT);
    assert.deepEqual(claim.details.workloads, ['Teams', 'Exchange']);
    assert.deepEqual(claim.details.customerContact, { name: 'Dana Customer', title: 'IT Director', email: 'dana@fabrikam.com' });
    assert.deepEqual(claim.details.partnerContact, { name: 'Pat Partner', email: 'pat@contoso.com' });
    assert.equal(claim.createdBy, PARTNER.aadObjectId);

    // The PoE file was downloaded from "SharePoint" and stored under DATA_DIR with its SHA-256.
    assert.equal(claim.poe.length, 1);
    const [file] = claim.poe;
    assert.equal(file!.name, 'Signed acknowledgement.pdf');
    assert.equal(file!.contentType, 'application/pdf');
    assert.equal(file!.size, PDF.length);
    const sha256 = createHash('sha256').update(PDF).digest('hex');
    assert.equal(file!.sha256, sha256);
    const onDisk = await readFile(join(e2e.dataDir, file!.storagePath));
    assert.equal(createHash('sha256').update(onDisk).digest('hex'), sha256);
    assert.deepEqual(e2e.files.requests, ['/files/Signed%20acknowledgement.pdf']);

    // The partner gets a receipt proactively, in their chat (the outbox worker).
    const receipt = await e2e.waitForAlert(PARTNER, en.t('cards.alert.submission-receipt.title', { claimId: claim.id }));
    assertShows(cardIn(receipt.body), en.t('cards.alert.submission-receipt.text', { claimId: claim.id, status: en.t('claims.status.Submitted') }));

    await listAndView(PARTNER, en, claim);
    assert.deepEqual(
      e2e.logs.filter((line) => line.startsWith('turn failed')),
      [],
      'no turn failed along the way',
    );
  });

  it('a conversation stopped half-way continues where it was after the server restarts', async () => {
    const en = translatorFor('en');
    const journey = await walkCreateClaim(e2e, PARTNER, 'workloads');
    const workloadsCard = journey.asked;
    const before = await stored(journey.claimId);
    assert.equal(before.details.customerTenantId, CUSTOMER_TENANT);

    await e2e.restart();

    // The workloads card shown before the restart still answers its question.
    let replies: Reply[] = await e2e.say(PARTNER, submit(actionTitled(workloadsCard[0], en.t('dialogs.common.continueButton')), { workloads: 'Teams,Intune' }));
    assert.equal(replies.length, 1);
    assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));
    assert.deepEqual((await stored(journey.claimId)).details.workloads, ['Teams', 'Intune']);

    // "back" shows what was entered before the restart.
    replies = await e2e.say(PARTNER, 'back');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.workloads.title'));
    assert.ok(cardJson(replies[0]).includes('Teams,Intune'), 'the workloads form shows the saved answer');
    replies = await e2e.say(PARTNER, submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), { workloads: 'Teams,Intune' }));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.contacts.heading'));

    replies = await e2e.say(PARTNER, submit(actionTitled(replies[0], en.t('dialogs.common.continueButton')), CONTACTS));
    assert.equal(cardTitle(replies[0]), en.t('dialogs.poe.title'));

    // A second restart between the upload and "done".
    replies = await e2e.say(PARTNER, fileFrom(e2e, 'ack.pdf', PDF));
    assert.ok(textOf(replies[0]).startsWith(en.t('dialogs.poe.received', { name: 'ack.pdf', size: '0.1 kB' })));
    await e2e.restart();
    replies = await e2e.say(PARTNER, 'done');
    assert.equal(cardTitle(replies[0]), en.t('dialogs.summary.title', { claimId: journey.claimId }));
    replies = await e2e.say(PARTNER, 'submit');
    const claim = await stored(journey.claimId);
    assert.equal(claim.status, 'Submitted');
    assert.equal(
      textOf(replies[0]),
      en.t('dialogs.summary.submitted', { claimId: claim.id, due: en.formatInstant(claim.deadlines.reviewStart!, 'Europe/Madrid') }),
    );
    assert.equal(claim.poe.length, 1);
    assert.equal((await claimsOf(e2e, PARTNER)).length, 1, 'the restart created no second draft');
  });

  it('a Spanish user (es-ES) goes through the same flow in Spanish', async () => {
    const es = translatorFor('es-ES');
    assert.equal(es.locale, 'es');
    const journey = await walkCreateClaim(e2e, PARTNER_ES, 'submitted');
    const claim = await stored(journey.claimId);
    assert.equal(claim.status, 'Submitted');
    assert.equal(
      textOf(journey.asked[0]),
      es.t('dialogs.summary.submitted', { claimId: claim.id, due: es.formatInstant(claim.deadlines.reviewStart!, 'Europe/Madrid') }),
    );

    // The receipt is in Spanish too: the conversation reference remembers the user's language.
    await e2e.waitForAlert(PARTNER_ES, es.t('cards.alert.submission-receipt.title', { claimId: claim.id }));

    const card = await listAndView(PARTNER_ES, es, claim);
    assertShows(card, es.t('cards.claim.poe'));
    assert.notEqual(es.t('cards.claim.deadlines'), translatorFor('en').t('cards.claim.deadlines'));

    // A mistake is explained in Spanish.
    const replies = await e2e.say(PARTNER_ES, 'notificación CPOR-2026-999999');
    assertShows(cardIn(replies[0]), es.t('errors.not-found', { claimId: 'CPOR-2026-999999' }));
  });
});
