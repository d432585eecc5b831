import msgreader from '@kenjiuno/msgreader';
import { simpleParser, type AddressObject } from 'mailparser';
import { Unreadable, emptyExtraction, type ExtractOptions, type Extraction } from './extraction.js';

// An e-mail as proof: its headers and body are the "message"; its attachments of the accepted
// types are read too (one level: an attached e-mail is not opened), each unit naming its file.

export interface Attachment {
  name: string;
  bytes: Uint8Array;
}

/** Reads one attachment; given by the dispatcher so this module does not import it back. */
export type ReadAttachment = (attachment: Attachment, prefix: string, maxUnits: number) => Promise<Extraction | undefined>;

interface Message {
  from: string[];
  fromText: string;
  to: string;
  date?: Date;
  subject: string;
  body: string;
  attachments: Attachment[];
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const addresses = (value: AddressObject | AddressObject[] | undefined): AddressObject[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

async function parseEml(bytes: Uint8Array): Promise<Message> {
  const mail = await simpleParser(Buffer.from(bytes), { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const from = addresses(mail.from);
  return {
    from: from.flatMap((group) => group.value.map((address) => address.address ?? '')).filter(Boolean),
    fromText: from.map((group) => group.text).join(', '),
    to: addresses(mail.to)
      .map((group) => group.text)
      .join(', '),
    ...(mail.date ? { date: mail.date } : {}),
    subject: mail.subject ?? '',
    body: mail.text ?? (mail.html ? htmlToText(mail.html) : ''),
    attachments: mail.attachments.map((attachment) => ({ name: attachment.filename ?? 'attachment', bytes: new Uint8Array(attachment.content) })),
  };
}

function parseMsg(bytes: Uint8Array): Message {
  // A CommonJS module: its class is the `default` of what ESM imports.
  const reader = new msgreader.default(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const data = reader.getFileData();
  if (data.error) throw new Unreadable('broken');
  const sender = data.senderSmtpAddress ?? data.senderEmail ?? '';
  const sent = data.clientSubmitTime ?? data.messageDeliveryTime;
  const date = sent ? new Date(sent) : undefined;
  const html = data.bodyHtml ?? (data.html ? new TextDecoder().decode(data.html) : undefined);
  return {
    from: sender.includes('@') ? [sender] : [],
    fromText: [data.senderName, sender ? `<${sender}>` : ''].filter(Boolean).join(' '),
    to: (data.recipients ?? []).map((recipient) => [recipient.name, recipient.smtpAddress ?? recipient.email].filter(Boolean).join(' ')).join(', '),
    ...(date && !Number.isNaN(date.getTime()) ? { date } : {}),
    subject: data.subject ?? '',
    body: data.body ?? (html ? htmlToText(html) : ''),
    attachments: (data.attachments ?? [])
      .filter((attachment) => !attachment.innerMsgContent)
      .map((attachment) => {
        const file = reader.getAttachment(attachment);
        return { name: file.fileName || 'attachment', bytes: file.content };
      }),
  };
}

export async function extractMail(bytes: Uint8Array, kind: 'eml' | 'msg', options: ExtractOptions, readAttachment: ReadAttachment): Promise<Extraction> {
  let message: Message;
  try {
    message = kind === 'eml' ? await parseEml(bytes) : parseMsg(bytes);
  } catch (error) {
    if (error instanceof Unreadable) throw error;
    throw new Unreadable('broken');
  }
  const headers = [
    `From: ${message.fromText}`,
    `To: ${message.to}`,
    // The ISO day, so the date check reads it whatever the header's own format.
    ...(message.date ? [`Date: ${message.date.toISOString().slice(0, 10)}`] : []),
    `Subject: ${message.subject}`,
  ];
  const result = { ...emptyExtraction(), senders: message.from, unitCount: 1 };
  result.units.push({ where: 'message', text: `${headers.join('\n')}\n\n${message.body}` });
  for (const attachment of message.attachments) {
    const left = options.maxUnits - result.unitCount;
    if (left <= 0) {
      result.truncated = true;
      break;
    }
    const read = await readAttachment(attachment, `attachment ${attachment.name.slice(0, 60)}, `, left);
    if (!read || read.unreadable) continue;
    result.units.push(...read.units);
    result.unitCount += read.unitCount;
    result.truncated ||= read.truncated;
    result.ocr ||= read.ocr;
  }
  return result;
}
