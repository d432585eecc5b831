import type { IncomingMessage } from 'node:http';

// Request bodies, read by the route that needs them and nowhere else: JSON for Teams, a
// urlencoded form for the consent page. The type is checked before a byte is read and the limit
// while reading, in memory; nothing is ever written to disk (no multipart, no uploads).

export type BodyKind = 'json' | 'form';

const MEDIA_TYPES: Record<BodyKind, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded' };

/** A body that can't be taken, with the HTTP status and a short reason for the caller. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

/** True when the request carries a body (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads the body of `kind`: JSON parsed into an object, a form as its raw text. Throws BodyError
 * (415 wrong type or encoding, 413 over `maxBytes`, 400 malformed); the caller discards the rest.
 */
export async function readBody(req: IncomingMessage, kind: BodyKind, maxBytes: number): Promise<unknown> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== MEDIA_TYPES[kind]) throw new BodyError(415, `expected ${MEDIA_TYPES[kind]}`);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new BodyError(415, 'content-encoding is not supported');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyError(413, `body over ${maxBytes} bytes`);

  const chunks = await collect(req, maxBytes);
  const text = chunks.toString('utf8');
  if (kind === 'form') return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BodyError(400, 'malformed JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BodyError(400, 'expected a JSON object');
  return parsed;
}

/** The body's bytes; past the limit it rejects and lets the rest flow away unread. */
function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      // A missing or lying Content-Length is no excuse: stop keeping bytes at the limit.
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(new BodyError(413, `body over ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
