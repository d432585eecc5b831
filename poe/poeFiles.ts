import { createHash, randomUUID } from 'node:crypto';
import type { Activity, Attachment } from 'botbuilder';
import { POE_CONTENT_TYPES } from '../services/catalogue.js';
import { ContentCheck } from './poeContent.js';
import type { PoeInput } from '../services/model.js';
import type { Policy } from '../services/policy.js';
import type { BlobStore } from '../services/store/blobStore.js';

// Proof-of-execution files sent in the 1:1 chat. Teams hands the bot a pre-authorized SharePoint
// link (file.download.info) or, for pasted images, a connector URL. We fetch only over https from
// Teams/SharePoint hosts, check type, size and content (bytes against the extension) before and
// while downloading, and store the bytes in the blob store as `poe/<claim>/<uuid>-<name>` with
// their SHA-256 (the policy bounds the size, so a file is held in memory until it has passed).

export const TEAMS_FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/**
 * Hosts Teams uses for files in a personal chat: SharePoint/OneDrive (download.info links,
 * including Microsoft's own -df tenants) and the Bot Framework connector / Skype media service
 * (pasted images). A leading `*.` matches any sub-domain, never the bare domain.
 */
export const DEFAULT_POE_HOSTS: readonly string[] = [
  '*.sharepoint.com',
  '*.sharepoint-df.com',
  'smba.trafficmanager.net',
  '*.teams.microsoft.com',
  '*.asm.skype.com',
];

/**
 * The only hosts the bot's own token goes to: where Teams serves files sent to a bot (the Bot
 * Framework connector's attachments and the Skype media service behind pasted images).
 */
export const BOT_FILE_HOSTS: readonly string[] = ['smba.trafficmanager.net', '*.asm.skype.com'];

export type PoeProblem = 'host-not-allowed' | 'file-type' | 'file-too-large' | 'download-failed' | 'empty';

/** A file that could not be taken; `problem` picks the localized message. */
export class PoeFileError extends Error {
  constructor(
    readonly problem: PoeProblem,
    readonly fileName: string,
    detail?: string,
  ) {
    super(`${problem}: ${fileName}${detail ? ` (${detail})` : ''}`);
    this.name = 'PoeFileError';
  }
}

/** A file named by an activity, not yet fetched. */
export interface IncomingFile {
  name: string;
  extension: string;
  url: string;
  /** Pasted images live on the connector and need the bot's token; SharePoint links never get it. */
  kind: 'teams-file' | 'inline-image';
}

export interface PoeFilesOptions {
  blobs: BlobStore;
  rules: Policy['poe'];
  /** Host patterns files may come from; production keeps the default. */
  allowedHosts?: readonly string[];
  /** Tests only: accept plain http (the stand-in host is a local http server). */
  allowHttp?: boolean;
  /** Tests only: hosts that get the bot's token (production: BOT_FILE_HOSTS). */
  tokenHosts?: readonly string[];
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const MAX_REDIRECTS = 3;
const IMAGE_EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/jpg': 'jpg' };

interface DownloadInfoContent {
  downloadUrl?: unknown;
  fileType?: unknown;
}

export class PoeFiles {
  private readonly allowedHosts: readonly string[];
  private readonly tokenHosts: readonly string[];
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: PoeFilesOptions) {
    this.allowedHosts = (options.allowedHosts ?? DEFAULT_POE_HOSTS).map((host) => host.toLowerCase());
    this.tokenHosts = (options.tokenHosts ?? BOT_FILE_HOSTS).map((host) => host.toLowerCase());
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get rules(): Policy['poe'] {
    return this.options.rules;
  }

  /** True when the activity carries something that looks like a file, accepted or not. */
  static hasFiles(activity: Partial<Activity>): boolean {
    return (activity.attachments ?? []).some(isFileAttachment);
  }

  /** The files an activity names, with those refused before any request (type, host) set apart. */
  filesIn(activity: Partial<Activity>): { files: IncomingFile[]; refused: PoeFileError[] } {
    const files: IncomingFile[] = [];
    const refused: PoeFileError[] = [];
    for (const attachment of (activity.attachments ?? []).filter(isFileAttachment)) {
      const described = describe(attachment);
      if (!described) {
        refused.push(new PoeFileError('download-failed', attachment.name ?? '?', 'no download address'));
        continue;
      }
      if (!this.options.rules.extensions.includes(described.extension) || !POE_CONTENT_TYPES[described.extension]) {
        refused.push(new PoeFileError('file-type', described.name));
      } else if (!this.isAllowedUrl(described.url)) {
        refused.push(new PoeFileError('host-not-allowed', described.name));
      } else {
        files.push(described);
      }
    }
    return { files, refused };
  }

  /** Whether a URL may be fetched: https (unless tests allow http) on an allowed host. */
  isAllowedUrl(address: string): boolean {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return false;
    }
    const protocolOk = url.protocol === 'https:' || (this.options.allowHttp === true && url.protocol === 'http:');
    if (!protocolOk || url.username || url.password) return false;
    return hostMatches(url.hostname, this.allowedHosts);
  }

  /** Downloads and stores one file; the result is what `ClaimService.addPoe` takes. */
  async store(file: IncomingFile, claimId: string, authorization?: string): Promise<PoeInput> {
    const { maxBytes } = this.options.rules;
    const response = await this.download(file, authorization);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new PoeFileError('file-too-large', file.name);
    }
    if (!response.body) throw new PoeFileError('empty', file.name);

    const safeName = safeFileName(file.name, file.extension);
    const storagePath = ['poe', safeSegment(claimId), `${randomUUID()}-${safeName}`].join('/');
    const hash = createHash('sha256');
    const content = new ContentCheck(file.extension);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        const bytes = chunk as Uint8Array;
        size += bytes.byteLength;
        // Stop reading as soon as the limit is passed: a lying or absent Content-Length is no excuse.
        if (size > maxBytes) throw new PoeFileError('file-too-large', file.name);
        if (!content.push(bytes)) throw new PoeFileError('file-type', file.name, 'content does not match the extension');
        hash.update(bytes);
        chunks.push(bytes);
      }
      if (size === 0) throw new PoeFileError('empty', file.name);
      if (!content.verdict()) throw new PoeFileError('file-type', file.name, 'content does not match the extension');
    } catch (error) {
      await response.body.cancel().catch(() => undefined);
      if (error instanceof PoeFileError) throw error;
      throw new PoeFileError('download-failed', file.name, (error as Error).message);
    }
    // A random name: taken only if a UUID repeats, which is a broken generator, not a user's problem.
    if (!(await this.options.blobs.create(storagePath, Buffer.concat(chunks, size)))) throw new Error(`PoE name ${storagePath} is taken`);
    return {
      name: displayName(file.name),
      contentType: POE_CONTENT_TYPES[file.extension]!,
      size,
      sha256: hash.digest('hex'),
      storagePath,
    };
  }

  /** Removes a stored file the claim did not take (e.g. the service refused it). */
  async remove(storagePath: string): Promise<void> {
    await this.options.blobs.remove(storagePath);
  }

  private async download(file: IncomingFile, authorization: string | undefined): Promise<Response> {
    let address = file.url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      // Every hop is checked again: an allowed host must not bounce us somewhere else.
      if (!this.isAllowedUrl(address)) throw new PoeFileError('host-not-allowed', file.name);
      const headers: Record<string, string> = {};
      // The token goes to the first hop only, and only on the hosts Teams serves bot files from.
      if (authorization && file.kind === 'inline-image' && hop === 0 && hostMatches(new URL(address).hostname, this.tokenHosts)) {
        headers.authorization = authorization;
      }
      let response: Response;
      try {
        response = await this.fetch(address, { redirect: 'manual', headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        throw new PoeFileError('download-failed', file.name, (error as Error).message);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        await response.body?.cancel().catch(() => undefined);
        address = new URL(response.headers.get('location')!, address).toString();
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new PoeFileError('download-failed', file.name, `HTTP ${response.status}`);
      }
      return response;
    }
    throw new PoeFileError('download-failed', file.name, 'too many redirects');
  }
}

/** `host` against patterns where a leading `*.` matches any sub-domain, never the bare domain. */
function hostMatches(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return patterns.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern));
}

function isFileAttachment(attachment: Attachment): boolean {
  return attachment.contentType === TEAMS_FILE_DOWNLOAD_INFO || attachment.contentType?.startsWith('image/') === true;
}

function describe(attachment: Attachment): IncomingFile | undefined {
  if (attachment.contentType === TEAMS_FILE_DOWNLOAD_INFO) {
    const content = (attachment.content ?? {}) as DownloadInfoContent;
    if (typeof content.downloadUrl !== 'string') return undefined;
    const name = attachment.name?.trim() || 'file';
    const fromName = extensionOf(name);
    const fileType = typeof content.fileType === 'string' ? content.fileType.toLowerCase().replace(/^\./, '') : '';
    return { name, extension: fromName || fileType, url: content.downloadUrl, kind: 'teams-file' };
  }
  if (typeof attachment.contentUrl !== 'string') return undefined;
  const extension = IMAGE_EXTENSIONS[attachment.contentType.toLowerCase()] ?? attachment.contentType.slice('image/'.length);
  const name = attachment.name?.trim() && extensionOf(attachment.name) ? attachment.name.trim() : `image.${extension}`;
  return { name, extension: extensionOf(name) || extension, url: attachment.contentUrl, kind: 'inline-image' };
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The name as the user gave it, minus path parts and control characters, for cards and history. */
function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  // eslint-disable-next-line no-control-regex
  const printable = base.replace(/[\u0000-\u001f\u007f]/g, '');
  return printable.trim().slice(0, 255) || 'file';
}

/** A file-system-safe name that keeps the (checked) extension. */
function safeFileName(name: string, extension: string): string {
  const stem = displayName(name).replace(/\.[^.]*$/, '');
  const safeStem =
    stem
      .normalize('NFKD')
      .replace(/[^\w-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'file';
  return `${safeStem}.${extension}`;
}

function safeSegment(value: string): string {
  return value.replace(/[^\w-]+/g, '_');
}
