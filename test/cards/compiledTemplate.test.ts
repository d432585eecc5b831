import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ACData from 'adaptivecards-templating';
import sinon from 'sinon';
import {
  renderAlert,
  renderAwayCard,
  renderBulkResult,
  renderClaimCard,
  renderClaimList,
  renderConsentNotice,
  renderError,
  renderHelp,
  renderHistory,
  renderMessage,
  renderReviewQueue,
  renderSharedClaim,
  renderSharedClaimRefused,
  renderWelcome,
  type AdaptiveCard,
  type Viewer,
  type ViewerRole,
} from '../../cards/index.js';
import { claimTextsKept } from '../../cards/claimCard.js';
import { compileTemplate, withoutNulls, type CompiledTemplate } from '../../cards/compiledTemplate.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { CardTemplate, templateJson } from '../../cards/template.js';
import { choiceCard, fieldsCard, workloadsCard } from '../../dialogs/forms.js';
import type { Actor } from '../../services/actor.js';
import type { Claim } from '../../services/model.js';
import { claimAt, createHarness, customer, m365Details, MONDAY, otherPartner, partner, reviewer, type Harness } from '../support/serviceHarness.js';
import type { ClaimCardRequest } from './support/claimCardRequest.js';

// Card templates are expanded by adaptivecards-templating with their path reads compiled once,
// nulls left out and every card a tree of its own (cards/compiledTemplate.ts). These tests hold
// that to the library's own answers without their nulls, on every template the product has and
// on the corners of the library's path rules, and show that nothing kept between cards (compiled
// templates, per-language words, a claim's texts per language and zone, formatters, written
// instants) can carry one reader's card into another's, or an older claim's into a newer one's.

const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../cards/templates');
const RENDER_ONCE = join(dirname(fileURLToPath(import.meta.url)), 'support/renderClaimCardOnce.ts');

type Expansion = { card: unknown; warnings: string[] } | { error: string };

function expansion(template: CompiledTemplate, data: object): Expansion {
  try {
    // The library's own cards keep the nulls a `$when` leaves behind; the product's never had them.
    const card: unknown = withoutNulls(template.expand({ $root: data }));
    return { card, warnings: template.getLastTemplateExpansionWarnings() };
  } catch (error) {
    // The library throws on some paths (an index into a substituted string): so must the compiled one.
    return { error: (error as Error).message };
  }
}

/** The library's own expansion: the template parsed by it, nothing compiled. */
function libraryExpansion(json: unknown, data: object): Expansion {
  return expansion(new ACData.Template(json), data);
}

/** The library's own Template of a product template, parsed once (parsing takes milliseconds). */
const libraryTemplates = new Map<string, ACData.Template>();

function libraryTemplate(name: string): ACData.Template {
  let template = libraryTemplates.get(name);
  if (!template) {
    template = new ACData.Template(templateJson(name));
    libraryTemplates.set(name, template);
  }
  return template;
}

function compiledExpansion(json: unknown, data: object): Expansion {
  return expansion(compileTemplate(json), data);
}

function cardOf(result: Expansion): unknown {
  assert.ok('card' in result, 'error' in result ? result.error : 'no card');
  return result.card;
}

describe('compiled card templates', function () {
  describe('answer as the library does', function () {
    const template = {
      type: 'AdaptiveCard',
      version: '1.5',
      refresh: { $when: '${show.refresh}', userIds: '${ids}' },
      body: [
        { type: 'TextBlock', text: '${title}' },
        { type: 'TextBlock', text: '${labels.approve}', extra: '${labels.missing}', nested: { deeper: '${a.b.c}' } },
        { type: 'TextBlock', text: '${TITLE}', cased: '${Mixed.KEY}', first: '${twice}' },
        {
          type: 'TextBlock',
          text: '${$ROOT.title}',
          data: '${$Data.labels.approve}',
          host: '${$host}',
          version: '${$_acTemplateVersion.major}',
          items: ['${title}', '${ids}'],
        },
        { type: 'TextBlock', text: '${missing}', also: '${missing.deeper}', inText: 'before ${title} and ${missing} after' },
        { type: 'TextBlock', text: '${nothing}', zero: '${zero}', no: '${no}', empty: '${empty}' },
        { type: 'TextBlock', text: '${title.length}', index: '${list[1]}', first: '${list[0].name}', byKey: "${labels['approve']}" },
        { type: 'TextBlock', object: '${execute}', array: '${ids}', fromMap: '${map.key}', mapCased: '${map.KEY}' },
        { type: 'TextBlock', $when: '${show.gone}', text: 'never' },
        { type: 'TextBlock', $when: '${show.title && title != ""}', text: '${title}' },
        { type: 'TextBlock', $when: '${count(list) > 1}', text: '${count(list)}' },
        { type: 'TextBlock', $when: '${title}', text: 'a $when that is not a boolean' },
        { type: 'TextBlock', $when: '${missing}', text: 'a $when with nothing behind it' },
        {
          type: 'Container',
          $data: '${list}',
          items: [
            { type: 'TextBlock', text: '${name}', index: '${$index}', root: '${$root.title}', data: '${$data.name}', whole: '${$data}' },
            { type: 'TextBlock', $data: '${tags}', text: '- ${$data} of ${$root.title}', $when: "${$data != 'skip'}" },
          ],
        },
        { type: 'TextBlock', $data: '${words}', text: '${$data}' },
        { type: 'TextBlock', $data: '${single}', text: '${name}' },
        { type: 'TextBlock', $data: '${none}', text: '${name}' },
        // $when and $data written without an expression, and a repeat placed as a property.
        { type: 'TextBlock', $when: 'true', text: 'dropped: a $when written without ${}' },
        { type: 'TextBlock', $when: false, text: 'kept: a false that is not an expression' },
        { type: 'TextBlock', $data: [{ name: 'constant' }, { name: 'data' }], text: '${name} at ${$index}' },
        { type: 'Container', repeated: { $data: '${words}', text: '${$data} of ${count($root.words)}' }, once: { $data: '${single}', text: '${name}' } },
      ],
    };
    const data = {
      title: 'Claim CPOR-2026-000001',
      TITLE: 'upper-case key',
      labels: { approve: 'Approve', reject: 'Reject' },
      a: { b: { c: 'deep' } },
      Mixed: { key: 'found without regard to case' },
      // Two keys that differ in case only: the first in key order wins.
      Twice: 'first',
      twice: 'second',
      nothing: null,
      zero: 0,
      no: false,
      empty: '',
      list: [
        { name: 'one', tags: ['x', 'skip', 'y'] },
        { name: 'two', tags: [] },
      ],
      words: ['alpha', 'beta'],
      single: { name: 'an object, not an array' },
      execute: { claimId: 'CPOR-2026-000001', version: 3 },
      ids: ['29:a', '29:b'],
      map: new Map([['key', 'from a Map']]),
      show: { refresh: true, gone: false, title: true },
    };

    it('on paths, case, missing values, $data, $index, $root, $when and interpolation', function () {
      const expected = libraryExpansion(template, data);
      assert.deepStrictEqual(compiledExpansion(template, data), expected);
      // Its warnings too: a $when that is not an expression, and one with nothing behind it.
      const warnings = 'warnings' in expected ? expected.warnings.join('\n') : '';
      assert.match(warnings, /true is not an Adaptive Expression/);
      assert.match(warnings, /Unable to parse the Adaptive Expression missing\./);
      // The corners are really exercised: a substitution, a case-insensitive read, a Map read.
      const text = JSON.stringify(cardOf(expected));
      for (const shown of [
        '${missing}',
        'found without regard to case',
        'from a Map',
        '"first":"first"',
        '- y of Claim',
        '"data":"Approve"',
        '"version":2',
        '"items":["Claim CPOR-2026-000001","29:a","29:b"]',
        'kept: a false',
        '"text":"data at 1"',
        '"repeated":[{"text":"alpha of 2"},{"text":"beta of 2"}]',
        '"once":{"text":"an object, not an array"}',
      ])
        assert.ok(text.includes(shown), shown);
    });

    it('with the library substitution callback set, and with data that has none of the paths', function () {
      ACData.GlobalSettings.getUndefinedFieldValueSubstitutionString = (path: string) => `<${path}>`;
      try {
        assert.deepStrictEqual(compiledExpansion(template, data), libraryExpansion(template, data));
        assert.ok(JSON.stringify(cardOf(compiledExpansion(template, data))).includes('<missing>'));
      } finally {
        ACData.GlobalSettings.getUndefinedFieldValueSubstitutionString = undefined;
      }
      // Nothing there: `${list[1]}` indexes the substituted text, which the library refuses.
      const empty = libraryExpansion(template, {});
      assert.ok('error' in empty);
      assert.deepStrictEqual(compiledExpansion(template, {}), empty);
    });

    it('expanding the same compiled template for one data, then another, then the first again', function () {
      const compiled = compileTemplate(template);
      const other = {
        ...data,
        title: 'Another claim',
        labels: { approve: 'Aprobar' },
        list: [
          { name: 'three', tags: ['z'] },
          { name: 'four', tags: [] },
        ],
      };
      const first: unknown = compiled.expand({ $root: data });
      assert.deepStrictEqual(compiled.expand({ $root: other }), cardOf(libraryExpansion(template, other)));
      assert.deepStrictEqual(compiled.expand({ $root: data }), first);
    });

    it('leaves out the nulls the library leaves behind, and shares no object with the data', function () {
      const library = new ACData.Template(template).expand({ $root: { ...data, show: { ...data.show, refresh: false } } }) as Record<string, unknown>;
      // What the library itself leaves: a property whose `$when` is false, a null read from the data.
      assert.equal(library.refresh, null);
      const nothing = (card: Record<string, unknown>) => (card.body as Record<string, unknown>[]).find((block) => 'zero' in block)!;
      assert.equal(nothing(library).text, null);
      const compiled = compileTemplate(template).expand({ $root: { ...data, show: { ...data.show, refresh: false } } }) as Record<string, unknown>;
      assert.ok(!('refresh' in compiled));
      assert.ok(!('text' in nothing(compiled)));
      assert.ok(!JSON.stringify(compiled).includes('null'));
      // Objects and arrays read out of the data are copies: changing the card leaves the data alone.
      const card = compileTemplate(template).expand({ $root: data }) as { refresh: { userIds: string[] }; body: Record<string, unknown>[] };
      const reads = card.body.find((block) => 'object' in block)!;
      assert.deepEqual(reads.object, data.execute);
      assert.notEqual(reads.object, data.execute);
      assert.notEqual(card.refresh.userIds, data.ids);
      card.refresh.userIds.push('29:intruder');
      (reads.object as { version: number }).version = 99;
      assert.deepEqual(data.ids, ['29:a', '29:b']);
      assert.equal(data.execute.version, 3);
    });
  });

  describe('every template the product has', function () {
    let harness: Harness;
    const claims: Claim[] = [];

    before(async function () {
      harness = await createHarness();
      const stages = ['Draft', 'InReview', 'PartnerActionRequired', 'Approved', 'Rejected', 'Disputed'] as const;
      const workloads = ['Teams', 'Exchange', 'SharePoint', 'Intune', 'Windows', 'Viva'] as const;
      // Each claim its own workload: two claims for the same customer and workload would compete.
      for (const [index, stage] of stages.entries()) claims.push(await claimAt(harness, stage, m365Details({ workloads: [workloads[index]!] })));
      // A claim with comments from both sides.
      const inReview = claims[1]!;
      claims[1] = await harness.service.comment(reviewer(), inReview.id, inReview.version, { text: 'Please check *page 3*.' });
    });

    after(async function () {
      sinon.restore();
      await harness.cleanup();
    });

    it('expands, on the data the renderers prepare, exactly as the library does uncompiled', async function () {
      const expand = sinon.spy(CardTemplate.prototype, 'expand');
      for (const locale of ['en', 'es', 'sv'] as const) await renderEveryCard(harness, claims, locale);
      expand.restore();

      const expanded = new Set<string>();
      for (const call of expand.getCalls()) {
        const { name } = call.thisValue as CardTemplate<object>;
        expanded.add(name);
        const data = call.args[0];
        assert.deepStrictEqual(call.returnValue, cardOf(expansion(libraryTemplate(name), data)), `${name} expands otherwise than the library`);
      }
      const templates = readdirSync(TEMPLATES_DIR, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.json'))
        .map((file) => file.slice(0, -'.json'.length).split('\\').join('/'));
      assert.deepEqual([...expanded].sort(), templates.sort(), 'every template was expanded');
      assert.ok(expand.callCount > 300, `${expand.callCount} expansions`);
    });
  });

  describe('between cards', function () {
    let harness: Harness;
    let inReview: Claim;
    let rejected: Claim;
    /** Later versions of inReview: one more comment, then approved (the same files and comments). */
    let commented: Claim;
    let approved: Claim;

    before(async function () {
      harness = await createHarness();
      inReview = await claimAt(harness, 'InReview', m365Details({ workloads: ['Teams'] }));
      inReview = await harness.service.comment(partner(), inReview.id, inReview.version, { text: 'The acknowledgement is on page 2.' });
      commented = await harness.service.comment(reviewer(), inReview.id, inReview.version, { text: 'Found it, thank you.' });
      approved = await harness.service.approve(reviewer(), commented.id, commented.version);
      rejected = await claimAt(harness, 'Rejected', m365Details({ workloads: ['Exchange'] }));
    });

    after(async function () {
      await harness.cleanup();
    });

    /**
     * Readers who differ in everything kept between cards: language, zone (each also alone), role,
     * actions, links, and the claim itself, down to one that has the same id, version and instants
     * as another but says something else (another instance's claim, or a copy changed in hand).
     */
    function readers(): { claim: Claim; request: ClaimCardRequest }[] {
      const allowed = (actor: Actor, claim: Claim) => [...harness.service.allowedActions(actor, claim)];
      const now = MONDAY.toISOString();
      const lookalike: Claim = {
        ...structuredClone(inReview),
        partnerName: 'Northwind Traders',
        comments: inReview.comments.map((comment) => ({ ...comment, text: 'Another instance, another comment.' })),
      };
      /** reviewer-1 reading `claim` (allowed what the service allows on `allowedOn`). */
      const reviewerOne = (claim: Claim, locale: string, timeZone: string, allowedOn = claim) => ({
        claim,
        request: { userId: 'reviewer-1', role: 'reviewer' as const, locale, timeZone, now, allowed: allowed(reviewer(), allowedOn) },
      });
      return [
        reviewerOne(inReview, 'en-US', 'Asia/Tokyo'),
        reviewerOne(inReview, 'es-ES', 'Europe/Madrid'),
        reviewerOne(lookalike, 'en-US', 'Europe/Madrid', inReview),
        reviewerOne(inReview, 'en-US', 'Europe/Madrid'),
        {
          claim: inReview,
          request: {
            userId: 'partner-1',
            role: 'partner',
            locale: 'es-ES',
            timeZone: 'America/Sao_Paulo',
            now,
            allowed: allowed(partner(), inReview),
            poeLinks: { [inReview.poe[0]!.id]: 'https://example.test/poe/1?sig=partner' },
          },
        },
        { claim: inReview, request: { userId: 'observer-1', role: 'observer', locale: 'sv-SE', timeZone: 'Asia/Tokyo', now, allowed: [] } },
        // Versions of one claim in one language and zone: each written from the one before.
        reviewerOne(commented, 'en-US', 'Europe/Madrid'),
        reviewerOne(approved, 'en-US', 'Europe/Madrid'),
        {
          claim: approved,
          request: { userId: 'partner-1', role: 'partner', locale: 'es-ES', timeZone: 'America/Sao_Paulo', now, allowed: allowed(partner(), approved) },
        },
        {
          claim: rejected,
          request: { userId: 'partner-2', role: 'partner', locale: 'pt-BR', timeZone: 'UTC', now, allowed: allowed(partner(), rejected), note: 'Nota' },
        },
        {
          claim: rejected,
          request: { userId: 'reviewer-2', role: 'reviewer', locale: 'it', timeZone: 'Europe/Rome', now, allowed: allowed(reviewer(), rejected) },
        },
      ];
    }

    function render({ claim, request }: { claim: Claim; request: ClaimCardRequest }): AdaptiveCard {
      const viewer: Viewer = {
        userId: request.userId,
        teamsUserId: `29:${request.userId}`,
        role: request.role,
        translator: translatorFor(request.locale),
        timeZone: request.timeZone,
        now: new Date(request.now),
      };
      return renderClaimCard(claim, viewer, {
        allowed: new Set(request.allowed as never[]),
        refreshUserIds: [`29:${request.userId}`],
        ...(request.note ? { note: request.note } : {}),
        ...(request.poeLinks ? { poeLinks: request.poeLinks } : {}),
      });
    }

    it('readers rendered in turn get the card a fresh process renders for each alone', function () {
      this.timeout(120_000);
      const cases = readers();
      // Each reader's card from a process that rendered nothing before it.
      const fresh = cases.map(({ claim, request }) =>
        JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', RENDER_ONCE], { input: JSON.stringify({ ...request, claim }), encoding: 'utf8' })),
      );
      // Here the readers alternate, forwards and backwards, so every cache sees each after each.
      const order = [...cases.keys(), ...[...cases.keys()].reverse(), ...cases.keys()];
      // As JSON, the same code writing both (key order included); no diff of two whole cards on a
      // failure, which takes the reporter minutes: the message names the reader.
      for (const index of order) {
        const { role, locale, timeZone } = cases[index]!.request;
        assert.ok(
          JSON.stringify(render(cases[index]!)) === JSON.stringify(fresh[index]),
          `reader ${index} (${role} in ${locale}, ${timeZone}) got another card`,
        );
      }
      // The cases really differ: one language's or zone's card would not pass for another's.
      assert.equal(new Set(fresh.map((card) => JSON.stringify(card))).size, cases.length);
    });

    it('a claim changed since its last card shows the change, and its older copy still shows itself', async function () {
      const viewer: Viewer = { userId: 'reviewer-1', role: 'reviewer', translator: translatorFor('en'), timeZone: 'Europe/Madrid', now: MONDAY };
      const t = viewer.translator;
      const before = await claimAt(harness, 'InReview', m365Details({ workloads: ['SharePoint'] }));
      const cardOf = (claim: Claim) => JSON.stringify(renderClaimCard(claim, viewer, { allowed: harness.service.allowedActions(reviewer(), claim) }));
      const executes = (claim: Claim) => `{"claimId":"${claim.id}","version":${claim.version}}`;
      const first = cardOf(before);
      assert.ok(first.includes(t.t('claims.status.InReview')) && first.includes(executes(before)));

      const after = await harness.service.approve(reviewer(), before.id, before.version);
      assert.ok(after.version > before.version);
      const second = cardOf(after);
      assert.ok(second.includes(`"${t.t('claims.status.Approved')}`), 'the new status');
      assert.ok(!second.includes(`"${t.t('claims.status.InReview')}"`), 'not the old status line');
      assert.ok(second.includes(executes(after)) && !second.includes(executes(before)), 'its actions carry the new version');
      assert.equal(cardOf(before), first);

      // Same id, version and instants, changed in hand: the card reads the claim, not its version.
      const renamed: Claim = { ...structuredClone(after), partnerName: 'Renamed Partners Ltd' };
      assert.ok(cardOf(renamed).includes('Renamed Partners Ltd'));
      assert.ok(!cardOf(after).includes('Renamed Partners Ltd'));
    });

    it('a claim changed in hand after its card lends nothing to the next card of that claim', function () {
      const [reviewerReading] = readers().filter(({ request }) => request.userId === 'reviewer-1' && request.timeZone === 'Europe/Madrid');
      const latest = approved.comments.at(-1)!;
      // Not frozen, its comments the stored ones but the latest: then that one added in place.
      const handmade: Claim = { ...approved, comments: approved.comments.slice(0, -1) };
      assert.ok(!JSON.stringify(render({ claim: handmade, request: reviewerReading!.request })).includes(latest.text));
      handmade.comments.push(latest);
      assert.ok(
        JSON.stringify(render({ claim: approved, request: reviewerReading!.request })).includes(latest.text),
        'the stored claim shows its latest comment',
      );
    });

    it('keeps a bounded number of claim texts, and a claim whose texts were let go is written again alike', function () {
      const viewer: Viewer = { userId: 'partner-1', role: 'partner', translator: translatorFor('it'), timeZone: 'Europe/Rome', now: MONDAY };
      const render = (index: number) =>
        renderClaimCard({ ...rejected, id: `${rejected.id}${index}`, partnerName: `Partner ${index}` }, viewer, {
          allowed: harness.service.allowedActions(partner(), rejected),
        });
      const firstCard = render(0);
      for (let index = 1; index < 600; index += 1) {
        assert.ok(JSON.stringify(render(index)).includes(`Partner ${index}`));
        assert.ok(claimTextsKept() <= 256, `${claimTextsKept()} kept`);
      }
      assert.ok(JSON.stringify(render(0)) === JSON.stringify(firstCard), 'the first claim, written again, reads as before');
    });

    it("a card changed after it is sent changes nobody else's", function () {
      const [first, second] = readers();
      const card = render(first!);
      const before = structuredClone(render(second!));
      // Everything a card holds is its own: scribble over all of it.
      const scribble = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(scribble);
        else if (value && typeof value === 'object') {
          for (const key of Object.keys(value)) {
            const entry = (value as Record<string, unknown>)[key];
            if (entry && typeof entry === 'object') scribble(entry);
            else (value as Record<string, unknown>)[key] = 'scribbled';
          }
        }
      };
      scribble(card);
      assert.deepStrictEqual(render(second!), before);
      assert.deepStrictEqual(render(first!), structuredClone(render(first!)));
      assert.ok(!JSON.stringify(render(first!)).includes('scribbled'));
    });
  });
});

/** One of every card family, in `locale`, so that every template is expanded on real data. */
async function renderEveryCard(harness: Harness, claims: readonly Claim[], locale: string): Promise<void> {
  const viewer = (role: ViewerRole): Viewer => ({
    userId: `${role}-1`,
    teamsUserId: `29:${role}-1`,
    role,
    translator: translatorFor(locale),
    timeZone: 'Europe/Stockholm',
    now: MONDAY,
  });
  const actors: Record<ViewerRole, Actor> = { partner: partner(), reviewer: reviewer(), customer: customer(), observer: otherPartner() };
  for (const claim of claims) {
    for (const role of ['partner', 'reviewer', 'customer', 'observer'] as const) {
      const allowed = harness.service.allowedActions(actors[role], claim);
      renderClaimCard(claim, viewer(role), { allowed, refreshUserIds: ['29:user-1'], note: 'Note' });
      renderClaimCard(claim, viewer(role), { allowed, competingWith: ['CPOR-2026-000099'], reviewers: [{ userId: 'r2', tenantId: 't', name: 'Rob' }] });
    }
    renderHistory(claim, claim.history, viewer('partner'));
    renderConsentNotice(claim, viewer('customer'), { confirming: true });
    const document = await harness.repository.get(claim.id);
    for (const alert of document?.outbox ?? []) {
      const role = alert.to === 'reviewers' || alert.to === 'reviewer' ? 'reviewer' : alert.to === 'partner-admins' ? 'partner' : alert.to;
      renderAlert(alert, viewer(role));
      renderAlert(alert, viewer(role), claim);
    }
  }
  const queue = await harness.service.reviewQueue(reviewer());
  renderReviewQueue(queue, viewer('reviewer'), { allowed: (claim) => harness.service.allowedActions(reviewer(), claim) });
  renderReviewQueue([], viewer('reviewer'));
  renderClaimList(await harness.service.listForPartner(partner(), { limit: 50 }), viewer('partner'));
  renderClaimList({ total: 0, claims: [] }, viewer('partner'));
  const sample = claims[1]!;
  renderBulkResult(
    'approve',
    [{ claimId: sample.id, outcome: 'done', claim: { ...sample, status: 'Approved', consentPhase: 'window-open' } }],
    viewer('reviewer'),
  );
  const rob = { userId: 'reviewer-2', tenantId: sample.assignedReviewer?.tenantId ?? 't', name: 'Rob Reviewer' };
  renderAwayCard(undefined, [rob], viewer('reviewer'), { today: '2026-11-23' });
  renderAwayCard(
    { reviewer: { ...rob, userId: 'reviewer-1' }, delegate: rob, until: '2026-12-05T00:00:00.000Z', setAt: MONDAY.toISOString() },
    [rob],
    viewer('reviewer'),
    {
      today: '2026-11-23',
      note: 'x',
    },
  );
  renderMessage('Title', 'Text');
  renderError('Something went wrong.', viewer('partner'));
  renderWelcome(viewer('partner'), ['incentives-admin']);
  renderHelp(viewer('reviewer'), ['reviewer']);
  renderSharedClaim(sample.id, translatorFor(locale));
  renderSharedClaimRefused(sample.id, translatorFor(locale));
  const action = (title: string) => ({ title, data: { form: 'f', step: 's', action: title }, style: 'default' as const, associatedInputs: 'none' as const });
  choiceCard({ title: 'Pick', text: 'Text', facts: [{ title: 'A', value: 'B' }], lines: ['one'], note: 'n', hint: 'h', actions: [action('Next')] });
  choiceCard({ title: 'Type', input: { id: 'x', label: 'X', placeholder: 'x', value: '', multiline: true }, actions: [action('Next'), action('Back')] });
  fieldsCard({
    title: 'Details',
    sections: [
      {
        heading: 'Customer',
        inputs: [
          { id: 'domain', label: 'Domain', placeholder: 'x', value: 'y', style: 'text', required: true, errorMessage: 'e', problem: '' },
          { id: 'mail', label: 'Mail', placeholder: 'x', value: '', style: 'email', required: false, errorMessage: 'e', problem: 'Not an address' },
        ],
      },
      { heading: '', inputs: [] },
    ],
    actions: [action('Next')],
  });
  workloadsCard({
    title: 'Workloads',
    text: 't',
    label: 'l',
    value: 'Teams',
    errorMessage: 'e',
    choices: [{ title: 'Teams', value: 'Teams' }],
    hint: '',
    actions: [action('Next')],
  });
}
