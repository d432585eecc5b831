import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type restify from 'restify';
import { DEFAULT_LOCALE, resolveLocale, translatorFor, type Locale, type Translator } from '../cards/i18n/i18n.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import type { Clock } from '../services/clock.js';
import { customerMayOptOut } from '../services/consentRules.js';
import { contactKeyOf, verifyConsentToken, type ConsentToken } from './consentTokens.js';
import type { LinkTokens } from '../services/linkTokens.js';
import type { UsedConsentTokens } from './usedConsentTokens.js';
import { isDomainError } from '../services/errors.js';
import type { Claim } from '../services/model.js';
import { consentFactsFromClaim, escapeHtml, noticeParagraphs } from './consentMailNotice.js';

// The consent page for customers reached by mail (SPEC section 5): GET /consent/<token> shows the
// notice with an Opt out button; GET /consent/<token>/confirm asks for confirmation and hands out
// a CSRF value; POST /consent/<token> opts out. Plain HTML that works in any browser and on a
// phone. A bad, expired or used link, or a missing CSRF value, gets a clear page and changes
// nothing. Routes parse their own bodies, so `/api/messages` is untouched.

export interface ConsentPageDeps {
  service: ClaimService;
  tokens: LinkTokens;
  usedTokens: UsedConsentTokens;
  /** Deadlines are shown in the policy's time zone. */
  timeZone: string;
  defaultLocale?: Locale;
  /** Mark the CSRF cookie `Secure`: set when the page is served over https. */
  secureCookies: boolean;
  clock: Clock;
  log?: (message: string, error?: unknown) => void;
}

const MAX_FORM_BYTES = 4 * 1024;
const CSRF_FIELD = 'csrf';

type ErrorKind = 'invalid' | 'expired' | 'used' | 'csrf' | 'closed' | 'failed';
const ERROR_STATUS: Record<ErrorKind, number> = { invalid: 400, csrf: 403, expired: 410, used: 410, closed: 410, failed: 500 };

/** A request that can't go on, with the page that says why. */
class PageError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly deadline?: Date,
  ) {
    super(kind);
  }
}

interface Opened {
  raw: string;
  token: ConsentToken;
  claim: Claim;
  actor: Actor;
  translator: Translator;
}

export function registerConsentRoutes(server: restify.Server, deps: ConsentPageDeps): void {
  const page = new ConsentPage(deps);
  // A wildcard, not `:token`: restify's router caps a named parameter at 100 characters and a
  // signed token is longer.
  server.get('/consent/*', async (req: restify.Request, res: restify.Response) => {
    const rest = pathAfterConsent(req);
    return rest.endsWith(CONFIRM_SUFFIX) ? page.handle(req, res, 'confirm', rest.slice(0, -CONFIRM_SUFFIX.length)) : page.handle(req, res, 'notice', rest);
  });
  server.post('/consent/*', async (req: restify.Request, res: restify.Response) => page.handle(req, res, 'opt-out', pathAfterConsent(req)));
}

const CONFIRM_SUFFIX = '/confirm';

function pathAfterConsent(req: IncomingMessage): string {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  try {
    return decodeURIComponent(path.slice('/consent/'.length));
  } catch {
    return '';
  }
}

class ConsentPage {
  private readonly clock: Clock;

  constructor(private readonly deps: ConsentPageDeps) {
    this.clock = deps.clock;
  }

  async handle(req: restify.Request, res: ServerResponse, step: 'notice' | 'confirm' | 'opt-out', raw: string): Promise<void> {
    const translator = translatorFor(this.localeOf(req));
    try {
      const opened = await this.open(raw, translator);
      if (step === 'notice') return this.send(res, 200, this.noticePage(opened));
      if (step === 'confirm') {
        const nonce = randomBytes(16).toString('base64url');
        const cookie = [
          `${cookieName(opened.token)}=${nonce}`,
          'Path=/consent',
          'HttpOnly',
          'SameSite=Strict',
          'Max-Age=3600',
          ...(this.deps.secureCookies ? ['Secure'] : []),
        ].join('; ');
        return this.send(res, 200, this.confirmPage(opened, this.deps.tokens.csrfFor(raw, nonce)), { 'Set-Cookie': cookie });
      }
      await this.optOut(req, opened);
      const cleared = `${cookieName(opened.token)}=; Path=/consent; Max-Age=0; HttpOnly; SameSite=Strict`;
      return this.send(res, 200, this.donePage(opened), { 'Set-Cookie': cleared });
    } catch (error) {
      const pageError = error instanceof PageError ? error : new PageError('failed');
      if (!(error instanceof PageError)) this.deps.log?.('consent page failed', error);
      return this.send(res, ERROR_STATUS[pageError.kind], this.errorPage(translator, pageError));
    }
  }

  /** Checks the link and loads its claim; throws a PageError saying why it can't be used. */
  private async open(raw: string, translator: Translator): Promise<Opened> {
    const now = this.clock.now();
    const check = await verifyConsentToken(this.deps.tokens, raw, now);
    if (!check.ok) throw check.reason === 'expired' ? new PageError('expired', check.token.expiresAt) : new PageError('invalid');
    const { token } = check;
    if (await this.deps.usedTokens.has(token.nonce)) throw new PageError('used');

    const reader: Actor = { userId: `consent-link:${token.contactKey}`, tenantId: token.customerTenantId, roles: [] };
    let claim: Claim;
    try {
      claim = await this.deps.service.get(reader, token.claimId);
    } catch (error) {
      if (isDomainError(error, 'not-found') || isDomainError(error, 'wrong-tenant')) throw new PageError('invalid');
      throw error;
    }
    this.assertWindowOpen(claim);
    // The customer acts as the contact the link was mailed to (SPEC section 1: a user of the
    // claim's customer tenant); the address itself never travels in the link.
    const contact = [claim.details.customerContact, claim.details.technicalContact].find(
      (candidate) => candidate && contactKeyOf(candidate.email) === token.contactKey,
    );
    const actor: Actor = {
      userId: contact ? `email:${contact.email.toLowerCase()}` : reader.userId,
      tenantId: token.customerTenantId,
      ...(contact ? { displayName: contact.name } : {}),
      roles: [],
    };
    return { raw, token, claim, actor, translator };
  }

  private assertWindowOpen(claim: Claim): void {
    if (customerMayOptOut(claim, this.clock.now())) return;
    // Another contact of the same customer may have opted out already: that is "done", not an error of theirs.
    if (claim.status === 'Rejected' && claim.rejection?.reason === 'customer-declined') throw new PageError('used');
    throw new PageError('closed');
  }

  private async optOut(req: IncomingMessage & { body?: unknown }, opened: Opened): Promise<void> {
    const form = await readForm(req);
    const cookieNonce = readCookie(req.headers.cookie, cookieName(opened.token));
    if (!this.deps.tokens.checkCsrf(opened.raw, cookieNonce, form?.get(CSRF_FIELD) ?? undefined)) throw new PageError('csrf');
    let claim = opened.claim;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deps.service.optOut(opened.actor, claim.id, claim.version);
        break;
      } catch (error) {
        const raced = isDomainError(error, 'stale-version') || isDomainError(error, 'invalid-transition') || isDomainError(error, 'window-closed');
        if (!raced) throw error;
        // A double submit or a change in between: look again; opt out once more if still open.
        claim = await this.deps.service.get(opened.actor, claim.id);
        this.assertWindowOpen(claim);
        if (attempt >= 2) throw new PageError('closed');
      }
    }
    await this.deps.usedTokens.markUsed(opened.token.nonce, opened.token.expiresAt);
  }

  private localeOf(req: IncomingMessage): Locale {
    const requested = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang');
    if (requested) return resolveLocale(requested);
    const accepted = req.headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim();
    return accepted ? resolveLocale(accepted) : (this.deps.defaultLocale ?? DEFAULT_LOCALE);
  }

  // ---- pages ---------------------------------------------------------------------------------

  private noticePage({ claim, raw, translator }: Opened): string {
    const facts = consentFactsFromClaim(claim);
    const params = { partnerName: facts.partnerName, customerDomain: facts.customerDomain, claimId: facts.claimId };
    const paragraphs = noticeParagraphs(facts, translator, this.deps.timeZone);
    const body = `
<h1>${escapeHtml(translator.t('consent.heading', params))}</h1>
${paragraphs.map((text, index) => `<p${index === paragraphs.length - 1 ? ' class="deadline"' : ''}>${escapeHtml(text)}</p>`).join('\n')}
<div class="actions">
  <a id="opt-out" class="button secondary" href="${escapeHtml(linkTo(raw, '/confirm', translator.locale))}">${escapeHtml(translator.t('consent.page.optOut'))}</a>
</div>
<p class="muted">${escapeHtml(translator.t('consent.reference', params))}<br>${escapeHtml(translator.t('consent.why'))}</p>`;
    return layout(translator, body, 'notice');
  }

  private confirmPage({ claim, raw, translator }: Opened, csrf: string): string {
    const params = { partnerName: claim.partnerName, customerDomain: claim.details.customerDomain ?? '', claimId: claim.id };
    const body = `
<h1>${escapeHtml(translator.t('consent.page.confirmHeading'))}</h1>
<p>${escapeHtml(translator.t('consent.page.confirmBody', params))}</p>
<form method="post" action="${escapeHtml(linkTo(raw, '', translator.locale))}" class="actions">
  <input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrf)}">
  <button id="confirm" type="submit" class="button danger">${escapeHtml(translator.t('consent.page.confirm'))}</button>
  <a id="cancel" class="button secondary" href="${escapeHtml(linkTo(raw, '', translator.locale))}">${escapeHtml(translator.t('consent.page.cancel'))}</a>
</form>`;
    return layout(translator, body, 'confirm');
  }

  private donePage({ claim, translator }: Opened): string {
    const params = { partnerName: claim.partnerName, customerDomain: claim.details.customerDomain ?? '', claimId: claim.id };
    const body = `
<h1 id="done">${escapeHtml(translator.t('consent.page.doneHeading'))}</h1>
<p>${escapeHtml(translator.t('consent.page.doneBody', params))}</p>`;
    return layout(translator, body, 'done');
  }

  private errorPage(translator: Translator, error: PageError): string {
    const deadline = error.deadline ? translator.formatInstant(error.deadline.toISOString(), this.deps.timeZone) : '';
    const body = `
<h1 id="error" data-kind="${error.kind}">${escapeHtml(translator.t(`consent.error.${error.kind}.heading`))}</h1>
<p>${escapeHtml(translator.t(`consent.error.${error.kind}.body`, { deadline }))}</p>`;
    return layout(translator, body, 'error');
  }

  private send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // The token is in the URL: never leak it in a Referer, never frame the page.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      ...headers,
    });
    res.end(html);
  }
}

function linkTo(raw: string, suffix: string, locale: Locale): string {
  return `/consent/${encodeURIComponent(raw)}${suffix}?lang=${encodeURIComponent(locale)}`;
}

/** One cookie per link, so two notices open in one browser don't overwrite each other's value. */
function cookieName(token: ConsentToken): string {
  return `cpor_csrf_${token.nonce}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The urlencoded form of a POST, read here (bounded) unless a server-wide parser already did. */
async function readForm(req: IncomingMessage & { body?: unknown }): Promise<URLSearchParams | undefined> {
  if (typeof req.body === 'string') return new URLSearchParams(req.body);
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    return new URLSearchParams(Object.entries(req.body as Record<string, unknown>).map(([key, value]): [string, string] => [key, String(value)]));
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f3f2f1;color:#242424;font:16px/1.55 "Segoe UI",system-ui,-apple-system,Roboto,Helvetica,Arial,sans-serif}
main{max-width:640px;margin:32px auto;background:#fff;border-radius:8px;border-top:4px solid #5b5fc7;padding:28px 32px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
main.done{border-top-color:#107c10}
main.error{border-top-color:#c4314b}
.eyebrow{margin:0 0 6px;color:#5b5fc7;font-size:.8125rem;font-weight:600;letter-spacing:.02em;text-transform:uppercase}
h1{margin:0 0 16px;font-size:1.4rem;line-height:1.3}
p{margin:0 0 14px}
.deadline{font-weight:600}
.muted{margin-top:24px;color:#616161;font-size:.875rem}
.actions{display:flex;flex-wrap:wrap;gap:12px;margin:24px 0 8px}
.button{display:inline-block;padding:11px 22px;border-radius:4px;border:1px solid transparent;font:inherit;font-weight:600;text-decoration:none;cursor:pointer;text-align:center}
.secondary{background:#fff;color:#c4314b;border-color:#c4314b}
.danger{background:#c4314b;color:#fff}
.button:focus-visible{outline:3px solid #5b5fc7;outline-offset:2px}
footer{max-width:640px;margin:0 auto 32px;padding:0 8px;color:#616161;font-size:.8125rem}
@media (max-width:520px){main{margin:0 0 16px;border-radius:0;padding:22px 18px}.button{width:100%}footer{padding:0 18px}}
`;

function layout(translator: Translator, body: string, kind: 'notice' | 'confirm' | 'done' | 'error'): string {
  const title = translator.t('consent.page.title');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(translator.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="${kind}">
<p class="eyebrow">${escapeHtml(title)}</p>
${body}
</main>
<footer>${escapeHtml(translator.t('consent.signature'))}</footer>
</body>
</html>
`;
}
