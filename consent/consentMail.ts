import type { Client } from '@microsoft/microsoft-graph-client';
import { translatorFor, type Locale } from '../cards/i18n/i18n.js';
import { contactKeyOf, signConsentToken } from './consentTokens.js';
import type { LinkTokens } from '../services/linkTokens.js';
import type { DirectoryConfig } from '../services/directory/directoryConfig.js';
import { escapeHtml, localeForRecipient, noticeParagraphs, type ConsentNoticeFacts } from './consentMailNotice.js';
import type { BlobStore } from '../services/store/blobStore.js';
import { EmlOutboxSender, GraphMailSender, type MailSender } from './consentMailSender.js';
import type { Clock } from '../services/clock.js';

// Sends the consent notice by mail to customer contacts who have no Teams conversation with the
// bot: a complete HTML body in the contact's language, with a signed link to the consent page
// that expires when the consent window ends.

export interface ConsentMailerOptions {
  tokens: LinkTokens;
  sender: MailSender;
  /** Where the bot is reached from outside, e.g. https://bot.example.com (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  from: string;
  defaultLocale: Locale;
  /** Deadlines are shown in the policy's time zone: the customer's own is unknown. */
  timeZone: string;
}

export interface SentConsentMail {
  to: string;
  locale: Locale;
  link: string;
  location: string;
}

export class ConsentMailer {
  constructor(private readonly options: ConsentMailerOptions) {}

  /** The mailbox the notices go from: what the mail rate is counted by. */
  get mailbox(): string {
    return this.options.sender.mailbox ?? this.options.from;
  }

  /** Mails the notice to each contact (or only to `recipients`, when given). */
  async send(facts: ConsentNoticeFacts, recipients?: readonly string[]): Promise<SentConsentMail[]> {
    const wanted = recipients ? new Set(recipients.map((email) => email.toLowerCase())) : undefined;
    const sent: SentConsentMail[] = [];
    for (const contact of facts.contacts.filter((candidate) => !wanted || wanted.has(candidate.email.toLowerCase()))) {
      const locale = localeForRecipient(contact.email, facts.customerDomain, this.options.defaultLocale);
      const token = await signConsentToken(this.options.tokens, {
        claimId: facts.claimId,
        customerTenantId: facts.customerTenantId,
        expiresAt: new Date(facts.linkExpiresAt),
        contactEmail: contact.email,
      });
      const link = `${this.options.publicBaseUrl}/consent/${token}?lang=${encodeURIComponent(locale)}`;
      const { subject, html, text } = composeConsentMail(facts, locale, link, this.options.timeZone);
      const { location } = await this.options.sender.send({
        id: `${facts.claimId}-${contactKeyOf(contact.email)}`,
        from: this.options.from,
        to: contact,
        subject,
        html,
        text,
      });
      sent.push({ to: contact.email, locale, link, location });
    }
    return sent;
  }
}

export function composeConsentMail(facts: ConsentNoticeFacts, locale: Locale, link: string, timeZone: string): { subject: string; html: string; text: string } {
  const translator = translatorFor(locale);
  const params = { partnerName: facts.partnerName, customerDomain: facts.customerDomain, claimId: facts.claimId, link };
  const subject = translator.t('consent.subject', params);
  const heading = translator.t('consent.heading', params);
  const paragraphs = noticeParagraphs(facts, translator, timeZone);
  const footer = [translator.t('consent.reference', params), translator.t('consent.why', params)];
  const text = [
    heading,
    '',
    ...paragraphs.flatMap((paragraph) => [paragraph, '']),
    `${translator.t('consent.mail.button')}: ${link}`,
    '',
    ...footer,
    '',
    translator.t('consent.signature'),
    '',
  ].join('\n');

  const muted = 'margin:0 0 8px;font-size:13px;line-height:1.5;color:#616161';
  const html = `<!DOCTYPE html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f2f1;font-family:'Segoe UI',Helvetica,Arial,sans-serif;color:#242424">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f2f1">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;border-top:4px solid #5b5fc7">
<tr><td style="padding:24px 28px 8px"><h1 style="margin:0;font-size:21px;line-height:1.3">${escapeHtml(heading)}</h1></td></tr>
<tr><td style="padding:8px 28px 24px;font-size:15px;line-height:1.55">
${paragraphs.map((paragraph, index) => `<p style="margin:0 0 14px${index === paragraphs.length - 1 ? ';font-weight:600' : ''}">${escapeHtml(paragraph)}</p>`).join('\n')}
<p style="margin:24px 0"><a href="${escapeHtml(link)}" style="display:inline-block;background:#5b5fc7;color:#ffffff;text-decoration:none;font-weight:600;padding:12px 22px;border-radius:4px">${escapeHtml(translator.t('consent.mail.button'))}</a></p>
<p style="${muted};word-break:break-all">${escapeHtml(translator.t('consent.mail.linkText', { link }))}</p>
${footer.map((line) => `<p style="${muted}">${escapeHtml(line)}</p>`).join('\n')}
</td></tr>
</table>
<p style="margin:16px 0 0;font-size:12px;color:#616161">${escapeHtml(translator.t('consent.signature'))}</p>
</td></tr>
</table>
</body>
</html>
`;
  return { subject, html, text };
}

/**
 * The mailer the configuration asks for: Graph `sendMail` from GRAPH_MAIL_SENDER when Graph is
 * configured with a sender, else `.eml` files under DATA_DIR/outbox-mail/.
 */
export function createConsentMailer(options: {
  config: DirectoryConfig;
  tokens: LinkTokens;
  graphClient?: Client;
  /** Where mails go when Graph does not send them. */
  blobs: BlobStore;
  defaultLocale: Locale;
  timeZone: string;
  clock: Clock;
}): ConsentMailer {
  const { config, graphClient } = options;
  const sender: MailSender =
    graphClient && config.graph?.mailSender ? new GraphMailSender(graphClient, config.graph.mailSender) : new EmlOutboxSender(options.blobs, options.clock);
  return new ConsentMailer({
    tokens: options.tokens,
    sender,
    publicBaseUrl: config.publicBaseUrl,
    from: config.mailFrom,
    defaultLocale: options.defaultLocale,
    timeZone: options.timeZone,
  });
}
