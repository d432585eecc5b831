import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { BlobStore } from '../services/store/blobStore.js';
import type { Clock } from '../services/clock.js';

// Where a consent mail goes: Microsoft Graph `sendMail` when Graph is configured, else an `.eml`
// file in the blob store (`outbox-mail/`, under DATA_DIR with the files engine) that a local
// user can open in any mail client.

export interface MailMessage {
  /** Stable for one claim and recipient: names the `.eml` file, so a retry overwrites it. */
  id: string;
  from: string;
  to: { email: string; name?: string };
  subject: string;
  html: string;
  text: string;
}

export interface MailSender {
  /** The mailbox it sends from, when not the message's From (Graph: the sending user). */
  readonly mailbox?: string;
  send(message: MailMessage): Promise<{ location: string }>;
}

export class ConsentMailError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'ConsentMailError';
  }
}

export class GraphMailSender implements MailSender {
  constructor(
    private readonly client: Client,
    /** The mailbox sending the notices (GRAPH_MAIL_SENDER); needs the Mail.Send application permission. */
    readonly mailbox: string,
  ) {}

  async send(message: MailMessage): Promise<{ location: string }> {
    const path = `/users/${encodeURIComponent(this.mailbox)}/sendMail`;
    try {
      await this.client.api(path).post({
        message: {
          subject: message.subject,
          body: { contentType: 'HTML', content: message.html },
          toRecipients: [{ emailAddress: { address: message.to.email, ...(message.to.name ? { name: message.to.name } : {}) } }],
        },
        saveToSentItems: true,
      });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      throw new ConsentMailError(`sendMail failed: ${status ?? ''} ${(error as Error).message}`.trim(), status);
    }
    return { location: `graph:${this.mailbox}` };
  }
}

export const EML_OUTBOX = 'outbox-mail';

export class EmlOutboxSender implements MailSender {
  constructor(
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
  ) {}

  async send(message: MailMessage): Promise<{ location: string }> {
    const name = `${EML_OUTBOX}/${message.id.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`;
    await this.blobs.put(name, Buffer.from(toEml(message, this.clock.now()), 'utf8'));
    return { location: this.blobs.locationOf(name) };
  }
}

/** A MIME message (RFC 5322 / 2045): multipart/alternative with text and HTML, UTF-8, base64. */
export function toEml(message: MailMessage, date: Date): string {
  const boundary = `cpor-${randomUUID()}`;
  const to = message.to.name ? `${encodeWord(message.to.name)} <${headerSafe(message.to.email)}>` : headerSafe(message.to.email);
  const part = (type: string, content: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=UTF-8`, 'Content-Transfer-Encoding: base64', '', wrapBase64(content), ''].join('\r\n');
  return [
    `From: ${headerSafe(message.from)}`,
    `To: ${to}`,
    `Subject: ${encodeWord(message.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${headerSafe(message.id)}.${date.getTime()}@cpor-claims-assistant>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    part('text/plain', message.text),
    part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** An RFC 2047 encoded word, so any language's subject survives 7-bit headers. */
function encodeWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(headerSafe(text), 'utf8').toString('base64')}?=`;
}

/** No line breaks in a header value: they would start a header of the attacker's choosing. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function wrapBase64(text: string): string {
  return (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}
