import { programShortName } from '../../../services/catalogue.js';
import assert from 'node:assert/strict';
import { translatorFor, type Translator } from '../../../cards/i18n/i18n.js';
import type { Claim } from '../../../services/model.js';
import type { TeamsUser } from '../../support/botClient.js';
import { CUSTOMER_TENANT, m365Details, poeFile } from '../../support/serviceHarness.js';
import { actionTitled, cardTitle, fileMessage, submit, textOf } from '../../dialogs/support/dialogHarness.js';
import { actorOf, PARTNER, REVIEWER, type E2E, type Reply } from './e2eApp.js';

// The partner's create-claim conversation, step by step, as the dialogs' own tests drive it, but
// over HTTP through the real server. Each step asserts the reply that asks the next question.

export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const CONTACTS = {
  customerName: 'Dana Customer',
  customerTitle: 'IT Director',
  customerEmail: 'dana@fabrikam.com',
  partnerName: 'Pat Partner',
  partnerEmail: 'pat@contoso.com',
};
export const CUSTOMER_DOMAIN = 'fabrikam.onmicrosoft.com';

export const JOURNEY_STEPS = ['program', 'partnerId', 'customer', 'workloads', 'contacts', 'poe', 'summary', 'submitted'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];

export interface Journey {
  t: Translator;
  /** The replies that asked the last question reached (for `submitted`, the confirmation). */
  asked: Reply[];
  claimId: string;
}

/** The person's organisation's claims, read from the store. */
export async function claimsOf(e2e: E2E, person: TeamsUser): Promise<Claim[]> {
  return (await e2e.app.claims.listForPartner(actorOf(person))).claims;
}

/** The first word of a localized alias or answer list ("done|finished" -> "done"). */
export const first = (t: Translator, key: string): string => t.t(key).split('|')[0]!;

/** Sends a file the way Teams does in a 1:1 chat, served by the local "SharePoint". */
export function fileFrom(e2e: E2E, name: string, bytes: Buffer): Reply {
  return fileMessage(name, e2e.files.put(name, bytes));
}

/**
 * Walks an OSU-M365 claim for Fabrikam (Teams, Exchange; PartnerID 4512345) from "new claim" to
 * `until`, asserting every reply, and returns the replies that asked the last question reached.
 */
export async function walkCreateClaim(e2e: E2E, person: TeamsUser, until: JourneyStep): Promise<Journey> {
  const t = translatorFor(person.locale);
  const stop = (step: JourneyStep) => JOURNEY_STEPS.indexOf(step) >= JOURNEY_STEPS.indexOf(until);

  let replies = await e2e.say(person, first(t, 'commands.aliases.new-claim'));
  assert.equal(replies.length, 2, 'an intro and the program question');
  assert.equal(textOf(replies[0]), t.t('dialogs.create.intro'));
  assert.equal(cardTitle(replies[1]), t.t('dialogs.program.title'));
  const before = new Set((await claimsOf(e2e, person)).map((claim) => claim.id));
  const journey: Journey = { t, asked: replies, claimId: '' };
  if (stop('program')) return journey;

  replies = await e2e.say(person, submit(actionTitled(replies[1], programShortName('OSU-M365'))));
  const draft = (await claimsOf(e2e, person)).find((claim) => !before.has(claim.id));
  assert.ok(draft, 'the first answer creates the draft');
  assert.equal(draft.status, 'Draft');
  journey.claimId = draft.id;
  assert.equal(replies.length, 2);
  assert.equal(textOf(replies[0]), t.t('dialogs.program.created', { claimId: draft.id }));
  // OSU-M365 has one activity (Usage), so the next question is the PartnerID: Contoso has two.
  assert.equal(cardTitle(replies[1]), t.t('dialogs.partnerId.title'));
  journey.asked = [replies[1]!];
  if (stop('partnerId')) return journey;

  replies = await e2e.say(person, submit(actionTitled(journey.asked[0], '4512345')));
  assert.equal(replies.length, 1);
  assert.equal(cardTitle(replies[0]), t.t('dialogs.customer.title'));
  journey.asked = replies;
  if (stop('customer')) return journey;

  replies = await e2e.say(
    person,
    submit(actionTitled(journey.asked[0], t.t('dialogs.common.continueButton')), {
      customerDomain: 'Fabrikam.onmicrosoft.com',
      customerTenantId: CUSTOMER_TENANT,
    }),
  );
  assert.equal(replies.length, 1);
  assert.equal(cardTitle(replies[0]), t.t('dialogs.workloads.title'));
  journey.asked = replies;
  if (stop('workloads')) return journey;

  replies = await e2e.say(person, 'Teams, exchange');
  assert.equal(replies.length, 1);
  assert.equal(cardTitle(replies[0]), t.t('dialogs.contacts.heading'));
  journey.asked = replies;
  if (stop('contacts')) return journey;

  replies = await e2e.say(person, submit(actionTitled(journey.asked[0], t.t('dialogs.common.continueButton')), CONTACTS));
  assert.equal(replies.length, 1);
  assert.equal(cardTitle(replies[0]), t.t('dialogs.poe.title'));
  journey.asked = replies;
  if (stop('poe')) return journey;

  replies = await e2e.say(person, fileFrom(e2e, 'Signed acknowledgement.pdf', PDF));
  assert.equal(replies.length, 1);
  const size = t.locale === 'en' ? '0.1 kB' : '0,1 kB';
  assert.equal(textOf(replies[0]), `${t.t('dialogs.poe.received', { name: 'Signed acknowledgement.pdf', size })}\n\n${t.t('dialogs.poe.more')}`);
  replies = await e2e.say(person, first(t, 'dialogs.words.done'));
  assert.equal(replies.length, 1);
  assert.equal(cardTitle(replies[0]), t.t('dialogs.summary.title', { claimId: journey.claimId }));
  journey.asked = replies;
  if (stop('summary')) return journey;

  replies = await e2e.say(person, submit(actionTitled(journey.asked[0], t.t('dialogs.summary.submitButton'))));
  assert.equal(replies.length, 1);
  journey.asked = replies;
  return journey;
}

/** A claim Contoso filed for `workload`, in review: set up through the service, not the chat. */
export async function claimInReview(e2e: E2E, workload: NonNullable<Claim['details']['workloads']>[number] = 'Teams'): Promise<Claim> {
  const { claims } = e2e.app;
  const partner = actorOf(PARTNER);
  let claim = await claims.create(partner, m365Details({ workloads: [workload] }));
  claim = await claims.addPoe(partner, claim.id, claim.version, poeFile());
  claim = await claims.submit(partner, claim.id, claim.version);
  return claims.startReview(actorOf(REVIEWER), claim.id, claim.version);
}
