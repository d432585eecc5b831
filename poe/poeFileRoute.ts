import type restify from 'restify';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import type { Clock } from '../services/clock.js';
import { isDomainError } from '../services/errors.js';
import type { LinkTokens } from '../services/linkTokens.js';
import type { BlobStore } from '../services/store/blobStore.js';
import type { Claim } from '../services/model.js';
import { mayOpen, POE_FILE } from './poeLinks.js';

// Proof of execution, opened from the claim card: GET /poe/<token> serves one file to the reader
// the link was made for (poeLinks.ts). The token is short-lived and names the reader; at open the
// claim is read again as that reader, so someone who lost access since (or never had it: only the
// claim's partner and the reviewers) gets 404, like an unknown claim. Bytes go out with the type
// they were checked against at upload, inline for what a browser shows safely, as a download
// otherwise.

/** What a browser shows without running anything of the file's. */
const INLINE_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg']);

/** Who the reader a link names is now (bot/actorResolver.ts: directory roles and all). */
export interface ReaderResolver {
  resolve(identity: { userId: string; tenantId: string; teamsUserId: string }): Promise<Actor>;
}

export interface PoeRouteDeps {
  tokens: LinkTokens;
  claims: ClaimService;
  actors: ReaderResolver;
  clock: Clock;
  blobs: BlobStore;
  log?: (message: string, error?: unknown) => void;
}

export function registerPoeRoutes(server: restify.Server, deps: PoeRouteDeps): void {
  // A wildcard, not `:token`: restify caps a named parameter at 100 characters.
  server.get('/poe/*', async (req: restify.Request, res: restify.Response) => {
    const raw = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname.slice('/poe/'.length));
    try {
      await serve(raw, res, deps);
    } catch (error) {
      deps.log?.('serving a PoE file failed', error);
      plain(res, 500, 'The file could not be read.');
    }
  });
}

async function serve(raw: string, res: restify.Response, deps: PoeRouteDeps): Promise<void> {
  const check = await deps.tokens.verify(POE_FILE, raw, deps.clock.now());
  if (!check.ok) {
    plain(
      res,
      check.reason === 'expired' ? 410 : 404,
      check.reason === 'expired' ? 'This link has expired: open the claim card again for a new one.' : 'Not found.',
    );
    return;
  }
  const { cid: claimId, fid: fileId, sub: userId, tid: tenantId } = check.claims;
  const actor = await deps.actors.resolve({ userId, tenantId, teamsUserId: '' });
  let claim: Claim;
  try {
    claim = await deps.claims.get(actor, claimId);
  } catch (error) {
    if (isDomainError(error)) {
      plain(res, 404, 'Not found.');
      return;
    }
    throw error;
  }
  const file = claim.poe.find((candidate) => candidate.id === fileId);
  if (!file || !mayOpen(actor, claim)) {
    plain(res, 404, 'Not found.');
    return;
  }
  const bytes = await deps.blobs.get(file.storagePath);
  if (!bytes) throw new Error(`PoE ${file.storagePath} of ${claim.id} is not in the blob store`);
  const disposition = INLINE_TYPES.has(file.contentType) ? 'inline' : 'attachment';
  res.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': bytes.length,
    'Content-Disposition': `${disposition}; filename="${asciiName(file.name)}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'X-Content-Type-Options': 'nosniff',
    // Never run as a page of this origin. Chromium refuses to show a PDF in a sandboxed
    // document, so a PDF relies on nosniff and its checked signature instead.
    ...(file.contentType === 'application/pdf' ? {} : { 'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'" }),
    'Cache-Control': 'private, no-store',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(bytes);
}

/** The fallback `filename` for old clients: printable ASCII, no quotes or backslashes. */
function asciiName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\]/g, '_');
}

function plain(res: restify.Response, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
