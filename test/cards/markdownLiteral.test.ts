import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { describeError } from '../../cards/i18n/errorMessages.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import {
  renderAlert,
  renderClaimCard,
  renderConsentNotice,
  renderError,
  renderHistory,
  renderReviewQueue,
  type AdaptiveCard,
  type Viewer,
} from '../../cards/index.js';
import { literal } from '../../cards/markdown.js';
import { describePoeProblem } from '../../dialogs/answers.js';
import { claimFacts as dialogFacts, poeLines } from '../../dialogs/claimSteps.js';
import { PoeFileError } from '../../poe/poeFiles.js';
import { DomainError } from '../../services/errors.js';
import type { Alert, Claim, PoeFile } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { FIXTURE_NOW, makeAlert, makeClaimDocument, makeHistoryEntry } from '../support/claimFixtures.js';
import { cardStrings } from '../e2e/support/e2eApp.js';
import { poeChecklist } from '../../cards/format.js';
import { renderAwayCard } from '../../cards/awayCard.js';

// Issue 16, finding 4: text people supply (comments, names, reasons, file names, anything echoed
// back) is shown as typed, never as markdown. The oracle is markdown-it, the renderer the
// Adaptive Cards SDK uses: every string of the card renders without a link, emphasis, code,
// image, list, heading or quote, and the payload is there to read, character for character.

const PAYLOAD = '[Reset your password](https://evil.example/reset) **now** _x_ `y` <b>z</b> ![i](https://evil.example/i.png) ~~s~~ &amp; \\o/';
const BLOCKS = '1. one\n- two\n+ three\n> four\n# five\n---';
const md = new MarkdownIt({ html: true, linkify: false });
const FORBIDDEN = /<(a|em|strong|code|img|ul|ol|li|h[1-6]|blockquote|del|s|pre|hr|table|b)\b/;

const en = translatorFor('en');
const viewer = (role: Viewer['role']): Viewer => ({ userId: 'u', role, translator: en, timeZone: 'UTC', now: new Date(FIXTURE_NOW) });

function visibleText(html: string): string {
  const text = html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return text.replace(/\s+/g, ' ').trim();
}

/** Every string in `strings` renders as plain text, and one of them shows `typed` literally. */
function assertShownLiterally(strings: string[], typed: string, where: string): void {
  for (const candidate of strings) {
    const html = md.render(candidate);
    assert.doesNotMatch(html, FORBIDDEN, `${where}: "${candidate}" renders as ${html}`);
  }
  const wanted = typed.replace(/\s+/g, ' ').trim();
  assert.ok(
    strings.some((candidate) => visibleText(md.render(candidate)).includes(wanted)),
    `${where}: "${wanted}" is not shown as typed in ${JSON.stringify(strings.map((candidate) => visibleText(md.render(candidate))))}`,
  );
}

/** The product's own formatted text (the PoE checklist is a list on purpose); it carries no user input. */
const OWN_MARKDOWN = new Set([poeChecklist(en)]);

function assertCardShows(card: AdaptiveCard, typed: string, where: string): void {
  assertShownLiterally(
    cardStrings(card).filter((text) => !OWN_MARKDOWN.has(text)),
    typed,
    where,
  );
}

function claimWith(overrides: Partial<Claim>): Claim {
  return makeClaimDocument(overrides).claim;
}

const poeRecord = (name: string): PoeFile => ({
  id: 'poe-1',
  name,
  contentType: 'application/pdf',
  size: 2048,
  sha256: 'a'.repeat(64),
  storagePath: 'poe/x/file.pdf',
  uploadedBy: 'u',
  uploadedAt: FIXTURE_NOW,
});

function alertWith(claim: Claim, kind: Alert['kind'], to: Alert['to'], data: Record<string, unknown>): Alert {
  return makeAlert(claim, { kind, to, data: { claimId: claim.id, partnerName: claim.partnerName, status: claim.status, ...data } });
}

/** The text is what is under test, not the buttons. */
const READ_ONLY = { allowed: new Set<never>() };

describe('cards: user text is shown literally, never as markdown (issue 16)', () => {
  it('literal() escapes every inline and line-start construct, and nothing else changes on screen', () => {
    for (const typed of [PAYLOAD, BLOCKS, 'plain text, with commas. And 3.5 % - fine', 'a\\b', '<https://evil.example>']) {
      assertShownLiterally([literal(typed)], typed, JSON.stringify(typed));
    }
    assert.equal(literal('Contoso Partners Ltd'), 'Contoso Partners Ltd', 'ordinary names are left as they are');
  });

  for (const typed of [PAYLOAD, BLOCKS]) {
    const label = typed === PAYLOAD ? 'inline' : 'block';

    it(`claim card, comment text (${label})`, () => {
      const claim = claimWith({ comments: [{ id: 'c1', at: FIXTURE_NOW, authorId: 'a', side: 'partner', text: typed }] });
      assertCardShows(renderClaimCard(claim, viewer('reviewer'), READ_ONLY), typed, 'comment');
    });

    it(`claim card, comment author's name (${label})`, () => {
      const claim = claimWith({ comments: [{ id: 'c1', at: FIXTURE_NOW, authorId: 'a', authorName: typed.slice(0, 200), side: 'partner', text: 'hi' }] });
      assertCardShows(renderClaimCard(claim, viewer('reviewer'), READ_ONLY), typed.slice(0, 200), 'author');
    });

    it(`claim card, the reviewer's request for information (${label})`, () => {
      const claim = claimWith({
        status: 'PartnerActionRequired',
        informationRequest: { reasons: ['missing-products'], comment: typed, at: FIXTURE_NOW },
      });
      assertCardShows(renderClaimCard(claim, viewer('partner'), READ_ONLY), typed, 'information request');
    });

    it(`claim card, PoE file name (${label})`, () => {
      const name = `${typed.replace(/\n/g, ' ')}.pdf`;
      assertCardShows(renderClaimCard(claimWith({ poe: [poeRecord(name)] }), viewer('reviewer'), READ_ONLY), name, 'file name');
    });

    it(`claim card, partner name and contacts (${label})`, () => {
      const name = typed.replace(/\n/g, ' ').slice(0, 120);
      const claim = claimWith({ partnerName: name });
      claim.details.customerContact = { name, title: 'IT', email: 'dana@fabrikam.com' };
      claim.details.partnerContact = { name, email: 'pat@contoso.com' };
      const card = renderClaimCard(claim, viewer('reviewer'), READ_ONLY);
      assertCardShows(card, name, 'partner name');
      assertCardShows(card, `${name} <dana@fabrikam.com>`, 'customer contact');
      assertCardShows(card, `${name} <pat@contoso.com>`, 'partner contact');
    });

    it(`history card, comment and actor (${label})`, () => {
      const claim = claimWith({});
      const history = [makeHistoryEntry(1, { comment: typed, actorId: typed.replace(/\n/g, ' ') })];
      const card = renderHistory(claim, history, viewer('partner'));
      assertCardShows(card, typed, 'history comment');
      assertCardShows(card, typed.replace(/\n/g, ' '), 'history actor');
    });

    it(`alerts: information requested, rejected, new comment, submitted (${label})`, () => {
      const claim = claimWith({ partnerName: typed.replace(/\n/g, ' ').slice(0, 120) });
      const request = { reasons: ['missing-products'], comment: typed };
      assertCardShows(
        renderAlert(alertWith(claim, 'information-requested', 'partner', { informationRequest: request }), viewer('partner')),
        typed,
        'information-requested',
      );
      assertCardShows(
        renderAlert(alertWith(claim, 'rejected', 'partner', { rejection: { reason: 'insufficient-poe', comment: typed } }), viewer('partner')),
        typed,
        'rejected',
      );
      const comment = renderAlert(
        alertWith(claim, 'new-comment', 'reviewers', { commentText: typed, commentBy: typed.replace(/\n/g, ' ') }),
        viewer('reviewer'),
      );
      assertCardShows(comment, typed, 'new-comment text');
      assertCardShows(comment, typed.replace(/\n/g, ' '), 'new-comment author');
      assertCardShows(renderAlert(alertWith(claim, 'claim-submitted', 'reviewers', {}), viewer('reviewer')), claim.partnerName, 'submitted partner');
    });

    it(`review queue and consent notice, partner name (${label})`, () => {
      const claim = claimWith({ partnerName: typed.replace(/\n/g, ' ').slice(0, 120), status: 'Approved', consentPhase: 'window-open' } as Partial<Claim>);
      const item = { claim, ageMs: 3_600_000, overdue: false, competingWith: [], ownOrganisation: false };
      assertCardShows(renderReviewQueue([item], viewer('reviewer')), claim.partnerName, 'queue');
      assertCardShows(renderConsentNotice(claim, viewer('customer')), claim.partnerName, 'consent notice');
    });

    it(`error card: a forged field name echoed back (${label})`, () => {
      const field = typed.replace(/\n/g, ' ');
      const message = describeError(en, new DomainError('validation', { issues: [{ field, problem: 'unknown-field' }] }));
      assertCardShows(renderError(message, viewer('partner')), field, 'validation error');
    });

    it(`dialogs: PoE problems, PoE lines and the summary's contacts (${label})`, () => {
      const name = `${typed.replace(/\n/g, ' ')}.exe`;
      assertShownLiterally([describePoeProblem(en, new PoeFileError('file-type', name), createPolicy().poe)], name, 'PoE problem');
      const claim = claimWith({ poe: [poeRecord(name)] });
      assertShownLiterally(poeLines(en, claim), name, 'PoE line');
      claim.details.partnerContact = { name: typed.replace(/\n/g, ' '), email: 'pat@contoso.com' };
      assertShownLiterally(
        dialogFacts(en, claim, 'UTC').map((fact) => fact.value),
        `${typed.replace(/\n/g, ' ')}, pat@contoso.com`,
        'summary contact',
      );
    });
  }

  // Found in the playground: a choice's title is plain text (Adaptive Cards render no markdown
  // there), so an escape shows as a backslash, "Contoso Partners \(demo\)".
  it('choice titles (the queue selection, the Reassign and away pickers) are plain text, shown exactly as typed', () => {
    const name = 'Contoso Partners (demo) [EMEA] *1*';
    const claim = claimWith({ partnerName: name, status: 'Submitted' } as Partial<Claim>);
    const reviewer = { userId: 'r-2', tenantId: claim.partnerTenantId.replace(/^./, '9'), name: 'Rob (EMEA) O_Brien' };
    const titles = (card: AdaptiveCard, id: string): string[] => {
      const found: string[] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === 'object') {
          const element = value as { type?: string; id?: string; choices?: Array<{ title: string }> };
          if (element.type === 'Input.ChoiceSet' && element.id === id) found.push(...(element.choices ?? []).map((choice) => choice.title));
          Object.values(value).forEach(walk);
        }
      };
      walk(card);
      return found;
    };
    const item = { claim, ageMs: 3_600_000, overdue: false, competingWith: [], ownOrganisation: false };
    const queue = renderReviewQueue([item], viewer('reviewer'), { allowed: () => new Set(['approve'] as const) });
    assert.deepEqual(titles(queue, 'bulkClaims'), [`${claim.id} · ${en.t('claims.status.Submitted')} · ${name}`]);
    const card = renderClaimCard(claim, viewer('reviewer'), { allowed: new Set(['reassign'] as const), reviewers: [reviewer] });
    assert.deepEqual(titles(card, 'assignee'), [reviewer.name]);
    assert.deepEqual(titles(renderAwayCard(undefined, [reviewer], viewer('reviewer'), { today: '2026-12-01' }), 'awayDelegate'), [reviewer.name]);
  });
});
