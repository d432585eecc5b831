import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type TurnContext,
} from 'botbuilder';
import restify from 'restify';
import { ActorResolver } from '../../bot/actorResolver.js';
import { CardActions } from '../../bot/cardActions.js';
import { ReviewerChoices } from '../../bot/reviewerChoices.js';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { CLAIM_CARD_VERBS, COVERED_BY, type ClaimCardVerb } from '../../cards/index.js';
import { PARTNER_ROLES, type Actor } from '../../services/actor.js';
import { M365_WORKLOADS } from '../../services/catalogue.js';
import type { Directory, DirectoryUser } from '../../services/directory/directory.js';
import type { Claim } from '../../services/model.js';
import { BotClient, type InvokeResponseBody, type TeamsUser } from '../support/botClient.js';
import { ConnectorStandIn } from '../support/connectorStandIn.js';
import {
  claimAt,
  createHarness,
  customer,
  m365Details,
  OTHER_CUSTOMER_TENANT,
  otherPartner,
  ownOrganisationReviewer,
  partner,
  reviewer,
  type Harness,
  type Stage,
} from '../support/serviceHarness.js';

// Universal Actions at the protocol: `adaptiveCard/action` invokes over HTTP through a real
// CloudAdapter (no app id, so unauthenticated) to CardActions and a real ClaimService on a temp
// store; what the bot sends back to Teams lands on a local stand-in connector.

class TestBot extends TeamsActivityHandler {
  constructor(private readonly actions: CardActions) {
    super();
  }
  protected override async onAdaptiveCardInvoke(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return this.actions.handle(context, value);
  }
}

/** A directory that knows the harness's people by their AAD ids. */
class TestDirectory implements Directory {
  constructor(private readonly people: readonly Actor[]) {}
  async resolve(userId: string, tenantId: string): Promise<DirectoryUser> {
    const person = this.people.find((candidate) => candidate.userId === userId && candidate.tenantId === tenantId);
    if (!person) return { userId, tenantId, roles: [] };
    return {
      userId,
      tenantId,
      roles: person.roles,
      ...(person.displayName ? { displayName: person.displayName } : {}),
      ...(person.organisation ? { organisation: person.organisation } : {}),
    };
  }
  /** The reviewers the reassignment picker lists. */
  async reviewers(): Promise<DirectoryUser[]> {
    return Promise.all(this.people.filter((person) => person.roles.includes('reviewer')).map((person) => this.resolve(person.userId, person.tenantId)));
  }
}

const asUser = (actor: Actor, locale = 'en-US'): TeamsUser => ({
  aadObjectId: actor.userId,
  tenantId: actor.tenantId,
  name: actor.displayName ?? actor.userId,
  locale,
});
const REVIEWER = asUser(reviewer());
const REVIEWER_2 = asUser(reviewer('reviewer-2'));
const PARTNER = asUser(partner());
const CUSTOMER = asUser(customer());
const OTHER_CUSTOMER = asUser(customer(OTHER_CUSTOMER_TENANT));

/** One person in each role and relation a claim card can be read in. */
const EVERYONE: readonly Actor[] = [...PARTNER_ROLES.map((role) => partner(role)), otherPartner(), reviewer(), ownOrganisationReviewer(), customer()];
const WALKED_STAGES: readonly Stage[] = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Associated', 'Rejected', 'Disputed'];
/** What each card verb sends besides the claim and version (as its form would). */
const VERB_INPUT: Record<ClaimCardVerb, Record<string, unknown>> = {
  startReview: {},
  requestInformation: { infoReasons: 'missing-products', infoComment: 'Which products?' },
  approve: { approveComment: '' },
  reject: { rejectReason: 'insufficient-poe', rejectComment: 'No signature.' },
  decideDispute: { disputeOutcome: 'overturn', disputeComment: '' },
  edit: {},
  submit: {},
  respond: {},
  resubmit: { resubmitComment: '' },
  dispute: {},
  comment: { commentText: 'A question.' },
  withdraw: { withdrawComment: '' },
  reassign: { assignee: `${reviewer('reviewer-2').tenantId}:reviewer-2` },
};
/** Verbs whose click continues in the chat instead of changing the claim. */
const CONVERSATION: ReadonlySet<ClaimCardVerb> = new Set(['edit', 'respond', 'dispute']);

describe('card actions over HTTP (adaptiveCard/action)', function () {
  let harness: Harness;
  let connector: ConnectorStandIn;
  let server: restify.Server;
  let client: BotClient;
  let changed: Claim[];

  before(async function () {
    connector = await ConnectorStandIn.start();
  });

  beforeEach(async function () {
    harness = await createHarness();
    changed = [];
    const directory = new TestDirectory([reviewer(), reviewer('reviewer-2'), customer(), customer(OTHER_CUSTOMER_TENANT), ...EVERYONE]);
    const actions = new CardActions({
      claims: harness.service,
      clock: harness.clock,
      actors: new ActorResolver(directory, harness.clock),
      reviewers: new ReviewerChoices(directory),
      config: { defaultLocale: 'en' },
      log: () => undefined,
    });
    harness.service.onChange((claim) => changed.push(claim));
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const bot = new TestBot(actions);
    server = restify.createServer({ handleUncaughtExceptions: false });
    server.use(restify.plugins.bodyParser({ mapParams: false }));
    server.post('/api/messages', async (req, res) => {
      await adapter.process(req, res, (context) => bot.run(context));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    client = new BotClient({ botUrl: `http://127.0.0.1:${port}/api/messages`, serviceUrl: connector.url, conversationId: 'a:chat-1' });
    connector.clear();
  });

  afterEach(async function () {
    server.close();
    await harness.cleanup();
  });

  after(async function () {
    await connector.close();
  });

  /** Sends a click and returns the invoke response, asserting the HTTP layer itself succeeded. */
  async function click(
    user: TeamsUser,
    verb: string,
    data: unknown,
    options: { replyToId?: string; trigger?: 'manual' | 'automatic' } = {},
  ): Promise<InvokeResponseBody> {
    const response = await client.cardAction(user, { verb, data, ...(options.trigger ? { trigger: options.trigger } : {}) }, options);
    // botbuilder answers an adaptiveCard/action invoke with the HTTP status of its body.
    assert.equal(response.status, response.body.statusCode, `HTTP ${response.status}`);
    return response.body;
  }

  function cardText(response: InvokeResponseBody): string {
    assert.equal(response.statusCode, 200, JSON.stringify(response.value));
    assert.equal(response.type, 'application/vnd.microsoft.card.adaptive');
    return JSON.stringify(response.value);
  }

  /** The note a card carries at its top (the bold warning line), if any. */
  function noteOf(response: InvokeResponseBody): string | undefined {
    const body = ((response.value as { body?: { type?: string; color?: string; text?: string }[] }).body ?? []).slice(0, 3);
    return body.find((element) => element.type === 'TextBlock' && element.color === 'Warning')?.text;
  }

  function verbs(response: InvokeResponseBody): string[] {
    const card = { ...(response.value as Record<string, unknown>), refresh: undefined };
    const found: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        const object = value as Record<string, unknown>;
        if (object.type === 'Action.Execute') found.push(String(object.verb));
        Object.entries(object).forEach(([key, entry]) => key !== 'data' && key !== 'fallback' && walk(entry));
      }
    };
    walk(card);
    return found.sort();
  }

  /** What the bot sent or changed at the connector (its member lookups for the email aside). */
  function writes(): string[] {
    return connector.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
  }

  async function current(id: string): Promise<Claim> {
    return harness.service.get(reviewer(), id);
  }

  it('a reviewer starts a review, asks for information, the partner responds, the reviewer approves, the customer opts out', async function () {
    let claim = await claimAt(harness, 'Submitted');
    changed = [];

    // Start review: the answer is the updated card, which replaces the clicked one; the handler
    // never rewrites that message itself (the other copies are the delivery worker's job).
    let response = await click(REVIEWER, 'startReview', { claimId: claim.id, version: claim.version }, { replyToId: 'card-1' });
    assert.match(cardText(response), /Under review/);
    // Reassign too: the reviewer who started the review may hand it to reviewer-2.
    assert.deepEqual(verbs(response), ['approve', 'comment', 'reassign', 'reject', 'requestInformation']);
    claim = await current(claim.id);
    assert.equal(claim.status, 'InReview');
    assert.equal(claim.assignedReviewer?.userId, 'reviewer-1', 'the reviewer who starts the review is assigned');
    assert.deepEqual(connector.updates(), []);
    assert.equal(changed.length, 1);

    // Request information: multi-select reasons arrive comma-separated.
    connector.clear();
    response = await click(
      REVIEWER,
      'requestInformation',
      { claimId: claim.id, version: claim.version, infoReasons: 'missing-products,missing-or-old-dates', infoComment: 'Which products, and when?' },
      { replyToId: 'card-1' },
    );
    assert.match(cardText(response), /Partner action required/);
    claim = await current(claim.id);
    assert.deepEqual(claim.informationRequest?.reasons, ['missing-products', 'missing-or-old-dates']);
    assert.equal(connector.updates().length, 0);

    // The partner's Respond continues in the chat: the card stays, a message says what to type.
    connector.clear();
    response = await click(PARTNER, 'respond', { claimId: claim.id, version: claim.version }, { replyToId: 'card-2' });
    assert.match(cardText(response), /Partner action required/);
    assert.equal((await current(claim.id)).version, claim.version);
    const [message] = connector.sent();
    assert.match(JSON.stringify(message?.body), new RegExp(`respond ${claim.id}`));
    assert.equal(connector.updates().length, 0);

    // The partner resubmits from the card.
    response = await click(PARTNER, 'resubmit', { claimId: claim.id, version: claim.version, resubmitComment: 'Products added.' }, { replyToId: 'card-2' });
    assert.match(cardText(response), /Under review/);
    claim = await current(claim.id);
    assert.equal(claim.status, 'InReview');

    // Approve with the optional comment left empty.
    connector.clear();
    response = await click(REVIEWER, 'approve', { claimId: claim.id, version: claim.version, approveComment: '' }, { replyToId: 'card-1' });
    assert.match(cardText(response), /Approved/);
    claim = await current(claim.id);
    assert.equal(claim.status, 'Approved');
    assert.equal(connector.updates().length, 0);

    // The customer opts out in two steps: the first click only asks for confirmation.
    connector.clear();
    response = await click(CUSTOMER, 'optOut', { claimId: claim.id, version: claim.version }, { replyToId: 'consent-1' });
    const confirming = cardText(response);
    assert.match(confirming, /Do you want to opt out\?/);
    assert.match(confirming, /"confirmed":true/);
    assert.equal((await current(claim.id)).version, claim.version, 'the first click changes nothing');
    assert.equal(connector.updates().length, 0);

    response = await click(CUSTOMER, 'optOut', { claimId: claim.id, version: claim.version, confirmed: true }, { replyToId: 'consent-1' });
    assert.match(cardText(response), /You opted out/);
    assert.deepEqual(verbs(response), []);
    claim = await current(claim.id);
    assert.equal(claim.status, 'Rejected');
    assert.equal(claim.rejection?.reason, 'customer-declined');
    assert.equal(connector.updates().length, 0, 'one "You opted out" card: the invoke response');
    assert.deepEqual(
      changed.map((entry) => entry.status),
      ['InReview', 'PartnerActionRequired', 'InReview', 'Approved', 'Rejected'],
    );
  });

  it('every role at every status: the card offers exactly what succeeds when clicked, and nothing else does', async function () {
    this.timeout(120_000);
    let workload = 0;
    const workloads = M365_WORKLOADS;
    const fresh = async (stage: Stage): Promise<Claim> => {
      // A new customer tenant each time keeps claims from being duplicates of each other.
      const tenant = `${(0x30000000 + (workload += 1)).toString(16)}-3333-4333-8333-333333333333`;
      return claimAt(harness, stage, m365Details({ workloads: [workloads[workload % workloads.length]!], customerTenantId: tenant }));
    };
    const walked: string[] = [];
    for (const stage of WALKED_STAGES) {
      for (const person of EVERYONE) {
        // A customer is whoever uses the tenant the claim was filed for.
        const as = (claim: Claim) => asUser(person.roles.length === 0 ? { ...person, tenantId: claim.details.customerTenantId! } : person);
        const probe = await fresh(stage);
        const refreshed = await click(as(probe), 'refreshClaim', { claimId: probe.id, version: probe.version }, { trigger: 'automatic' });
        const offered = refreshed.statusCode === 200 ? verbs(refreshed).filter((verb): verb is ClaimCardVerb => verb !== 'optOut') : [];
        const actor = person;
        for (const verb of CLAIM_CARD_VERBS) {
          // Each click on a claim of its own, as the card showed it.
          const claim = await fresh(stage);
          const response = await click(as(claim), verb, { claimId: claim.id, version: claim.version, ...VERB_INPUT[verb] });
          const after = await current(claim.id).catch(() => undefined);
          const label = `${stage} / ${actor.roles.join(',') || 'customer'} (${actor.userId}) / ${verb}`;
          const coveredBy = COVERED_BY[verb];
          if (coveredBy && offered.includes(coveredBy)) {
            // Offered through the verb that stands for it: it must work too.
            assert.equal(response.statusCode, 200, `${label}: covered by ${coveredBy}, so it must succeed`);
          } else if (offered.includes(verb)) {
            assert.equal(response.statusCode, 200, `${label}: offered, so it must succeed: ${JSON.stringify(response.value)}`);
            if (!CONVERSATION.has(verb)) assert.ok(after === undefined || after.version > claim.version, `${label}: offered and clicked, the claim changed`);
            walked.push(label);
          } else {
            // Refused: an error, or the current card with the reason on it.
            const reason = response.statusCode === 200 ? noteOf(response) : undefined;
            assert.ok(
              response.statusCode >= 400 || reason,
              `${label}: not offered, so the service must refuse it (got ${response.statusCode} without a reason)`,
            );
            assert.equal(after?.version, claim.version, `${label}: refused, nothing changed`);
          }
        }
      }
    }
    // The walk clicked something for each side that can act.
    assert.ok(walked.some((label) => label.includes('/ reviewer (reviewer-1) /')));
    assert.ok(walked.some((label) => label.includes('incentives-user')));
    assert.ok(!walked.some((label) => label.includes('other-')), 'another organisation can do nothing');
  });

  it('two approvals of one version at the same moment: one transition, one set of alerts; the other gets the current card', async function () {
    const claim = await claimAt(harness, 'InReview');
    const data = { claimId: claim.id, version: claim.version };
    changed = [];
    const responses = await Promise.all([
      click(REVIEWER, 'approve', data, { replyToId: 'card-a' }),
      click(REVIEWER_2, 'approve', data, { replyToId: 'card-b' }),
      click(REVIEWER, 'approve', data, { replyToId: 'card-a' }),
    ]);
    const texts = responses.map((response) => cardText(response));
    assert.equal(texts.filter((text) => text.includes('nothing was done')).length, 2, 'the late clicks are told the claim changed');
    assert.ok(
      texts.every((text) => text.includes('Approved')),
      'everyone sees the approved claim',
    );
    const document = await harness.repository.get(claim.id);
    assert.equal(document?.claim.history.filter((entry) => entry.action === 'approve').length, 1);
    assert.equal(document?.outbox.filter((alert) => alert.kind === 'consent-notice').length, 1);
    assert.equal(document?.outbox.filter((alert) => alert.kind === 'approved').length, 1);
    assert.equal(document?.claim.version, claim.version + 1);
    assert.equal(changed.length, 1);
    assert.equal(connector.updates().length, 0, 'no click rewrites its message: each gets its card in the response');
  });

  it('a click on a card two versions old changes nothing and shows the current card with a note', async function () {
    const submitted = await claimAt(harness, 'Submitted');
    const inReview = await harness.service.startReview(reviewer(), submitted.id, submitted.version);
    await harness.service.comment(partner(), inReview.id, inReview.version, { text: 'Any news?' });
    const before = await current(submitted.id);
    connector.clear();
    const response = await click(REVIEWER, 'startReview', { claimId: submitted.id, version: submitted.version }, { replyToId: 'old-card' });
    const text = cardText(response);
    assert.match(text, /nothing was done/);
    assert.match(text, /Under review/);
    assert.match(text, new RegExp(`"version":${before.version}`), 'the card carries the current version');
    assert.deepEqual(await current(submitted.id), before);
    assert.deepEqual(writes(), []);
  });

  it('forged or incomplete data is refused in the user language (es-ES) and changes nothing', async function () {
    const claim = await claimAt(harness, 'InReview');
    const spanishReviewer = asUser(reviewer(), 'es-ES');
    for (const data of [
      { claimId: claim.id, version: claim.version, status: 'Approved' },
      { claimId: claim.id },
      { claimId: claim.id, version: '2' },
      { claimId: 'CPOR-1', version: claim.version },
    ]) {
      const response = await click(spanishReviewer, 'approve', data, { replyToId: 'card-1' });
      assert.equal(response.statusCode, 400, JSON.stringify(data));
      assert.equal(response.type, 'application/vnd.microsoft.error');
      const value = response.value as { code: string; message: string };
      assert.equal(value.code, 'validation');
      assert.ok(value.message.startsWith(translatorFor('es').t('errors.validation').split('{')[0]!), value.message);
    }
    const missing = await click(spanishReviewer, 'reject', { claimId: claim.id, version: claim.version, rejectReason: 'partner-request', rejectComment: 'x' });
    assert.equal(missing.statusCode, 400, 'a reviewer cannot pick a reason the lifecycle sets');
    const unknown = await click(spanishReviewer, 'approve', { claimId: 'CPOR-2026-999999', version: 1 });
    assert.equal(unknown.statusCode, 400);
    assert.match((unknown.value as { message: string }).message, /CPOR-2026-999999/);
    assert.equal((await current(claim.id)).version, claim.version);
    assert.deepEqual(writes(), []);
  });

  it('Submit on a draft that cannot be submitted answers with the draft card and the reason on it', async function () {
    const draft = await harness.service.create(partner(), { program: 'OSU-M365' });
    const response = await click(asUser(partner(), 'es-ES'), 'submit', { claimId: draft.id, version: draft.version }, { replyToId: 'draft-card' });
    const reason = noteOf(response);
    assert.ok(reason?.startsWith(translatorFor('es').t('errors.incomplete').split('{')[0]!), reason);
    assert.deepEqual(verbs(response).includes('submit'), false, 'the card it answers with does not offer Submit again');
    assert.equal((await current(draft.id)).version, draft.version);
    assert.deepEqual(writes(), []);
  });

  it('the wrong role is refused with 403 and a message; nothing changes', async function () {
    const claim = await claimAt(harness, 'InReview');
    const response = await click(PARTNER, 'approve', { claimId: claim.id, version: claim.version }, { replyToId: 'card-1' });
    assert.equal(response.statusCode, 403);
    assert.equal(response.type, 'application/vnd.microsoft.error');
    assert.equal((response.value as { code: string }).code, 'not-allowed');
    assert.equal((response.value as { message: string }).message, translatorFor('en').t('errors.not-allowed'));
    assert.equal((await current(claim.id)).version, claim.version);
    assert.deepEqual(writes(), []);
  });

  it('a customer of another tenant, a partner and a reviewer cannot opt out, at either step', async function () {
    const claim = await claimAt(harness, 'Approved');
    for (const user of [OTHER_CUSTOMER, PARTNER, REVIEWER]) {
      for (const confirmed of [undefined, true]) {
        const response = await click(user, 'optOut', { claimId: claim.id, version: claim.version, ...(confirmed ? { confirmed } : {}) });
        // A stranger is told the claim does not exist (issue 16); the others lack the role.
        const stranger = user === OTHER_CUSTOMER;
        assert.equal(response.statusCode, stranger ? 400 : 403, `${user.aadObjectId} confirmed=${String(confirmed)}`);
        const expected = stranger ? translatorFor('en').t('errors.not-found', { claimId: claim.id }) : translatorFor('en').t('errors.not-allowed');
        assert.equal((response.value as { message: string }).message, expected);
      }
    }
    assert.equal((await current(claim.id)).status, 'Approved');
    assert.deepEqual(writes(), []);
  });

  it('after the window closes an opt-out shows the read-only outcome', async function () {
    const claim = await claimAt(harness, 'Approved');
    harness.clock.set(claim.deadlines.consentWindow!);
    const response = await click(CUSTOMER, 'optOut', { claimId: claim.id, version: claim.version, confirmed: true });
    const text = cardText(response);
    assert.match(text, /no longer open/);
    assert.deepEqual(verbs(response), []);
    assert.equal((await current(claim.id)).status, 'Approved');
  });

  it('an automatic refresh returns the role-specific card and never sends or updates', async function () {
    const claim = await claimAt(harness, 'Submitted');
    const data = { claimId: claim.id, version: claim.version };
    const asReviewer = await click(REVIEWER, 'refreshClaim', data, { trigger: 'automatic', replyToId: 'card-1' });
    assert.deepEqual(verbs(asReviewer), ['comment', 'reassign', 'startReview']);
    const refresh = (asReviewer.value as { refresh: { userIds: string[] } }).refresh;
    assert.deepEqual(refresh.userIds, [BotClient.teamsIdOf(REVIEWER)]);
    const asPartner = await click(PARTNER, 'refreshClaim', data, { trigger: 'automatic', replyToId: 'card-1' });
    assert.deepEqual(verbs(asPartner), ['comment', 'edit', 'withdraw']);
    // Even a conversation verb sent as an automatic trigger sends nothing.
    await click(PARTNER, 'edit', data, { trigger: 'automatic', replyToId: 'card-1' });
    const approved = await claimAt(harness, 'Approved', m365Details({ workloads: ['Viva'] }));
    const asCustomer = await click(CUSTOMER, 'refreshClaim', { claimId: approved.id, version: approved.version }, { trigger: 'automatic' });
    assert.deepEqual(verbs(asCustomer), ['optOut']);
    assert.deepEqual(writes(), []);
  });
});
