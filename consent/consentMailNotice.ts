import { z } from 'zod';
import { SUPPORTED_LOCALES, type Locale, type Translator } from '../cards/i18n/i18n.js';
import { PROGRAMS, type Program } from '../services/catalogue.js';
import { customerMayOptOut, optOutRuleOf } from '../services/consentRules.js';
import { CUSTOMER_OPT_OUT_RULES, type Alert, type Claim } from '../services/model.js';

// The consent notice (SPEC section 5) as the mail and the consent page both show it: which
// partner (name, PartnerID), which workloads or subscription, what data the partner will see
// and nothing else, that no action is needed to accept, and until when the customer can opt out.

export interface ConsentNoticeFacts {
  claimId: string;
  partnerName: string;
  partnerId: string;
  program: Program;
  customerDomain: string;
  customerTenantId: string;
  subscriptionId?: string;
  workloads: string[];
  /** The end of the consent window (ISO instant); absent when the customer may opt out at any time. */
  optOutUntil?: string;
  /** When the emailed link stops working: the window's end, else a year after the notice. */
  linkExpiresAt: string;
  /** Who gets the notice: the customer contact and, for Dynamics 365, the technical contact. */
  contacts: { email: string; name?: string }[];
}

export class ConsentNoticeUnavailable extends Error {
  constructor(claimId: string, what: string) {
    super(`claim ${claimId} has no consent notice to send: ${what}`);
    this.name = 'ConsentNoticeUnavailable';
  }
}

/**
 * Under `any-time` terms a link must still end: a year after the notice, an assumption (README).
 * The page checks the claim itself on every visit, so an ended claim is refused before that.
 */
const ANY_TIME_LINK_MS = 365 * 24 * 60 * 60 * 1000;
const anyTimeLinkEnd = (noticeAt: string): string => new Date(Date.parse(noticeAt) + ANY_TIME_LINK_MS).toISOString();

/** The notice for a claim the customer may opt out of now. */
export function consentFactsFromClaim(claim: Claim): ConsentNoticeFacts {
  const { details } = claim;
  const anyTime = optOutRuleOf(claim) === 'any-time';
  // Any-time terms do not depend on the instant; the window is the claim's own consent phase.
  const open = anyTime ? customerMayOptOut(claim, new Date(claim.updatedAt)) : claim.status === 'Approved' && claim.consentPhase === 'window-open';
  if (!open) throw new ConsentNoticeUnavailable(claim.id, 'window not open');
  const end = anyTime ? undefined : claim.deadlines.consentWindow;
  const noticeAt = claim.submittedAt ?? claim.updatedAt;
  if ((!anyTime && !end) || !details.program || !details.partnerId || !details.customerDomain || !details.customerTenantId) {
    throw new ConsentNoticeUnavailable(claim.id, 'incomplete claim');
  }
  const contacts = [details.customerContact, details.technicalContact]
    .filter((contact) => contact !== undefined)
    .map((contact) => ({ email: contact.email, name: contact.name }));
  return {
    claimId: claim.id,
    partnerName: claim.partnerName,
    partnerId: details.partnerId,
    program: details.program,
    customerDomain: details.customerDomain,
    customerTenantId: details.customerTenantId,
    ...(details.subscriptionId ? { subscriptionId: details.subscriptionId } : {}),
    workloads: details.workloads ?? [],
    ...(end ? { optOutUntil: end } : {}),
    linkExpiresAt: end ?? anyTimeLinkEnd(noticeAt),
    contacts: uniqueByEmail(contacts),
  };
}

const AlertFactsSchema = z.object({
  claimId: z.string(),
  partnerName: z.string(),
  partnerId: z.string(),
  program: z.enum(PROGRAMS),
  customerDomain: z.string(),
  customerTenantId: z.guid(),
  subscriptionId: z.string().nullish(),
  workloads: z.array(z.string()),
  deadlines: z.object({ consentWindow: z.iso.datetime().optional() }),
  customerOptOut: z.enum(CUSTOMER_OPT_OUT_RULES).optional(),
  customerContactEmails: z.array(z.email()).min(1),
});

/** The notice from a `consent-notice` alert's snapshot, for the delivery worker. */
export function consentFactsFromAlert(alert: Alert): ConsentNoticeFacts {
  if (alert.kind !== 'consent-notice') throw new ConsentNoticeUnavailable(alert.claimId, `alert is ${alert.kind}`);
  const parsed = AlertFactsSchema.safeParse(alert.data);
  if (!parsed.success) throw new ConsentNoticeUnavailable(alert.claimId, 'alert data incomplete');
  const data = parsed.data;
  const end = data.customerOptOut === 'any-time' ? undefined : data.deadlines.consentWindow;
  if (data.customerOptOut !== 'any-time' && !end) throw new ConsentNoticeUnavailable(alert.claimId, 'no consent window');
  return {
    claimId: data.claimId,
    partnerName: data.partnerName,
    partnerId: data.partnerId,
    program: data.program,
    customerDomain: data.customerDomain,
    customerTenantId: data.customerTenantId,
    ...(data.subscriptionId ? { subscriptionId: data.subscriptionId } : {}),
    workloads: data.workloads,
    ...(end ? { optOutUntil: end } : {}),
    linkExpiresAt: end ?? anyTimeLinkEnd(alert.createdAt),
    contacts: uniqueByEmail(data.customerContactEmails.map((email) => ({ email }))),
  };
}

/** The notice's paragraphs, as plain text, in the reader's language. */
export function noticeParagraphs(facts: ConsentNoticeFacts, translator: Translator, timeZone: string): string[] {
  const params = {
    partnerName: facts.partnerName,
    partnerId: facts.partnerId,
    customerDomain: facts.customerDomain,
    workloads: translator.formatList(facts.workloads),
    subscriptionId: facts.subscriptionId ?? '',
    deadline: facts.optOutUntil ? translator.formatInstant(facts.optOutUntil, timeZone) : '',
  };
  return [
    translator.t('consent.intro', params),
    translator.t('consent.purpose', params),
    translator.t(facts.subscriptionId ? 'consent.scope.subscription' : 'consent.scope.workloads', params),
    translator.t(`consent.data.${facts.program}`, params),
    translator.t('consent.noAction', params),
    translator.t(facts.optOutUntil ? 'consent.optOutUntil' : 'consent.optOutAnyTime', params),
  ];
}

// Country-code top-level domains whose language has a catalogue. `.sv` is El Salvador.
const LOCALE_BY_TLD: Record<string, Locale> = {
  ...Object.fromEntries(
    ['es', 'mx', 'ar', 'co', 'cl', 'pe', 'uy', 've', 'ec', 'bo', 'py', 'cr', 'pa', 'do', 'gt', 'hn', 'ni', 'sv', 'cu'].map((tld) => [tld, 'es']),
  ),
  br: 'pt-BR',
  pt: 'pt-BR',
  it: 'it',
  sm: 'it',
  se: 'sv',
};

/**
 * The language of a mailed notice: the country domain of the contact's address, else of the
 * customer's domain (e.g. `.es`, `.com.br`, `.it`, `.se`), else the bot's default locale. The
 * customer has no Teams locale to go by; the page lets the reader follow their browser instead.
 */
export function localeForRecipient(email: string, customerDomain: string, fallback: Locale): Locale {
  for (const host of [email.split('@')[1] ?? '', customerDomain]) {
    const tld = host.toLowerCase().split('.').pop() ?? '';
    const locale = LOCALE_BY_TLD[tld];
    if (locale && (SUPPORTED_LOCALES as readonly string[]).includes(locale)) return locale;
  }
  return fallback;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function uniqueByEmail(contacts: { email: string; name?: string }[]): { email: string; name?: string }[] {
  const seen = new Set<string>();
  return contacts.filter((contact) => {
    const key = contact.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
