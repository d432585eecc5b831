import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { translatorFor } from '../../cards/i18n/i18n.js';
import type { Alert, Claim } from '../../services/model.js';
import { folderOf, JOURNAL_FILE, readCollectionFolder } from '../../storage/files/collectionFolder.js';
import type { RecordedRequest } from '../support/connectorStandIn.js';
import { claimInReview as claimInReviewVia, walkCreateClaim } from './support/journey.js';
import { assertWithinTeamsWindows } from '../support/rateWindows.js';
import {
  actorOf,
  assertShows,
  cardIn,
  cardStrings,
  conversationOf,
  CUSTOMER,
  eventually,
  invokeCard,
  PARTNER,
  REVIEWER,
  startE2E,
  verbsOf,
  type E2E,
} from './support/e2eApp.js';

// Delivery through the real server (`startApp`: the CloudAdapter with its onTurnError, real HTTP,
// the stand-in connector answering as Teams does when it refuses, throttles, fails or hangs).
// Each test asserts what is stored (alert state, journal, references), what /healthz counts and
// what the connector received.

const en = translatorFor('en');

interface Health {
  outbox: { pending: number; deadLetters: number; sentTotal: number; recentDeadLetters: { kind: string; reason: string }[] };
  cardUpdates: { updated: number; coalesced: number; failed: number };
}

describe('e2e: delivery is truthful, and each card is updated once', function () {
  this.timeout(90_000);
  let e2e: E2E;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && e2e?.logs.length) console.error(e2e.logs.join('\n'));
    await e2e?.close();
  });

  async function start(env: Record<string, string> = {}, met = [PARTNER, REVIEWER, CUSTOMER]): Promise<void> {
    e2e = await startE2E({ env: { DELIVERY_BACKOFF_BASE_MS: '200', DELIVERY_BACKOFF_MAX_SECONDS: '1', ...env } });
    // Everyone has talked to the bot once (unless a test says otherwise), so it knows where to reach them.
    for (const person of met) await e2e.say(person, 'help');
  }

  async function claimInReview(): Promise<Claim> {
    const claim = await claimInReviewVia(e2e);
    // The receipts and review alerts of the set-up go out first, so a test's scripted answers
    // meet the requests it means.
    await eventually(async () => (await outboxOf(claim.id)).every((alert) => alert.state !== 'pending'), 'the set-up alerts sent', 20_000);
    await e2e.quiet();
    return claim;
  }

  async function outboxOf(claimId: string): Promise<Alert[]> {
    return (await e2e.app.repository.get(claimId))?.outbox ?? [];
  }

  async function alertOf(claimId: string, kind: Alert['kind']): Promise<Alert> {
    const alert = (await outboxOf(claimId)).find((candidate) => candidate.kind === kind);
    assert.ok(alert, `a ${kind} alert was recorded`);
    return alert;
  }

  async function settled(claimId: string, kind: Alert['kind']): Promise<Alert> {
    await eventually(async () => (await alertOf(claimId, kind)).state !== 'pending', `the ${kind} alert settled`, 20_000);
    return alertOf(claimId, kind);
  }

  async function health(): Promise<Health> {
    return (await (await fetch(`${e2e.app.url}/healthz/details`)).json()) as Health;
  }

  /** The documents of one collection as the files engine stored them, read the way it reads them at start. */
  async function documents<T>(collection: string): Promise<T[]> {
    const definition = { name: collection, schema: z.unknown() };
    const { entries } = await readCollectionFolder(definition, folderOf(e2e.dataDir, collection), (problem) => assert.fail(problem));
    return [...entries.values()].map((entry) => entry.value as T);
  }

  const journal = () => documents<{ key: string; target: string; state: string }>('proactive/delivery-journal');
  /** The journal's latest state per recipient of one alert: `*` (the alert as a whole), `copy` (a Teams chat) or `mail:<address>`. */
  const journalOf = async (dedupeKey: string) =>
    (await journal())
      .filter((entry) => entry.key === dedupeKey)
      .map((entry) => `${entry.target === '*' || entry.target.startsWith('mail:') ? entry.target : 'copy'}:${entry.state}`)
      .sort();

  /** Requests into `person`'s chat (posts and updates), in arrival order. */
  const chatRequests = (person: typeof PARTNER): RecordedRequest[] =>
    e2e.connector.requests.filter((request) => request.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationOf(person))}/activities`));
  /** What the bot sent into `person`'s chat on its own (alerts and card updates, not replies to them). */
  const proactiveTraffic = (person: typeof PARTNER): RecordedRequest[] => {
    const posts = new Set(e2e.proactive(person));
    return chatRequests(person).filter((request) => request.method === 'PUT' || posts.has(request));
  };

  const accepted = (requests: RecordedRequest[]) => requests.filter((request) => request.status >= 200 && request.status < 300);
  const showing = (requests: RecordedRequest[], text: string) => requests.filter((request) => cardStrings(request.body).some((line) => line.includes(text)));
  const chatPath = (person: typeof PARTNER) =>
    new RegExp(`^/v3/conversations/${encodeURIComponent(conversationOf(person)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/activities`);

  it('403 blocked: the customer chat is closed for good and the consent notice goes by mail instead', async () => {
    await start();
    const claim = await claimInReview();
    e2e.connector.script(
      { method: 'POST', path: chatPath(CUSTOMER) },
      { status: 403, body: { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } } },
    );
    const approved = await e2e.click(REVIEWER, 'approve', { claimId: claim.id, version: claim.version, approveComment: '' });
    invokeCard(approved);

    const notice = await settled(claim.id, 'consent-notice');
    assert.equal(notice.state, 'sent', 'handed to the mail fallback');
    assert.match(notice.lastError ?? '', /ConversationBlockedByUser[\s\S]*fallback/);
    const mails = await readdir(join(e2e.dataDir, 'outbox-mail'));
    assert.equal(mails.length, 1, 'one .eml for the one customer contact');
    const eml = await readFile(join(e2e.dataDir, 'outbox-mail', mails[0]!), 'utf8');
    assert.match(eml, /^To: .*dana@fabrikam\.com/m);

    const references = await documents<{ userId?: string; dead?: { reason: string } }>('conversations');
    assert.equal(references.find((reference) => reference.userId === CUSTOMER.aadObjectId)?.dead?.reason, 'ConversationBlockedByUser');
    assert.ok(references.filter((reference) => reference.userId !== CUSTOMER.aadObjectId).every((reference) => !reference.dead));
    // The latest entry per recipient: the customer's copy failed, the alert as a whole is done.
    assert.deepEqual(await journalOf(notice.dedupeKey), ['*:done', 'copy:failed', 'mail:dana@fabrikam.com:sent']);
    assert.equal(accepted(showing(chatRequests(CUSTOMER), en.t('cards.consent.noAction'))).length, 0, 'nothing reached the blocked chat');

    // The partner's own alert went out as usual; nothing is dead-lettered, nothing left pending.
    assert.equal((await settled(claim.id, 'approved')).state, 'sent');
    const figures = await health();
    assert.equal(figures.outbox.pending, 0);
    assert.equal(figures.outbox.deadLetters, 0);
    assert.ok(!e2e.logs.some((line) => line.startsWith('turn failed')), 'no proactive failure reached onTurnError');
  });

  it('the consent mail cannot be written: the notice stays pending, is tried again after a back-off, and is mailed once it can be', async () => {
    await start({}, [PARTNER, REVIEWER]);
    const claim = await claimInReview();
    // Where the local mailer writes its .eml files is taken by a file: every write there fails.
    const mailFolder = join(e2e.dataDir, 'outbox-mail');
    await rm(mailFolder, { recursive: true, force: true });
    await writeFile(mailFolder, 'in the way');
    const approved = await e2e.click(REVIEWER, 'approve', { claimId: claim.id, version: claim.version, approveComment: '' });
    invokeCard(approved);

    await eventually(async () => (await alertOf(claim.id, 'consent-notice')).attempts >= 2, 'the mail tried twice', 20_000);
    const failing = await alertOf(claim.id, 'consent-notice');
    assert.equal(failing.state, 'pending', 'not given up on, not waiting for a chat that may never come');
    assert.match(failing.lastError ?? '', /no user of the customer tenant has talked to the bot; the fallback failed/);
    assert.equal((await health()).outbox.deadLetters, 0);

    await rm(mailFolder);
    const notice = await settled(claim.id, 'consent-notice');
    assert.equal(notice.state, 'sent');
    const mails = await readdir(mailFolder);
    assert.equal(mails.length, 1, 'one .eml for the one customer contact, once');
    assert.match(await readFile(join(mailFolder, mails[0]!), 'utf8'), /^To: .*dana@fabrikam\.com/m);
    assert.deepEqual(await journalOf(notice.dedupeKey), ['*:done', 'mail:dana@fabrikam.com:sent']);
    assert.ok(!e2e.logs.some((line) => line.startsWith('turn failed')), 'no delivery failure reached onTurnError');
  });

  it('404: the chat is gone, the alert nobody else can take is dead-lettered and counted', async () => {
    await start();
    const claim = await claimInReview();
    e2e.connector.script(
      { method: 'POST', path: chatPath(PARTNER) },
      { status: 404, body: { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } } },
    );
    await e2e.app.claims.comment(actorOf(REVIEWER), claim.id, claim.version, { text: 'Where is page 3?' });

    const comment = await settled(claim.id, 'new-comment');
    assert.equal(comment.state, 'dead');
    assert.match(comment.lastError ?? '', /404 ConversationNotFound/);
    const figures = await health();
    assert.equal(figures.outbox.deadLetters, 1);
    assert.equal(figures.outbox.recentDeadLetters[0]?.kind, 'new-comment');
    assert.deepEqual(await journalOf(comment.dedupeKey), ['copy:failed']);
    assert.equal(accepted(showing(chatRequests(PARTNER), 'Where is page 3?')).length, 0);
  });

  it('429 with Retry-After: the alert is sent once, no earlier than the server asked', async () => {
    await start();
    const claim = await claimInReview();
    e2e.connector.script(
      { method: 'POST', path: chatPath(PARTNER) },
      { status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'Throttled', message: 'Too many requests' } } },
    );
    await e2e.app.claims.comment(actorOf(REVIEWER), claim.id, claim.version, { text: 'Throttled comment' });

    const comment = await settled(claim.id, 'new-comment');
    assert.equal(comment.state, 'sent');
    assert.equal(comment.attempts, 2, 'the refused attempt and the delivery, each counted');
    const tries = showing(chatRequests(PARTNER), 'Throttled comment');
    assert.deepEqual(
      tries.map((request) => request.status),
      [429, 200],
    );
    assert.ok(tries[1]!.at - tries[0]!.at >= 2000, `re-sent after ${tries[1]!.at - tries[0]!.at} ms`);
    assert.deepEqual(await journalOf(comment.dedupeKey), ['*:done', 'copy:sent']);
    assert.equal((await health()).outbox.pending, 0);
  });

  it('503, then a connector that never answers: backoff each time, then sent exactly once', async () => {
    await start({ DELIVERY_TIMEOUT_MS: '400' });
    const claim = await claimInReview();
    e2e.connector.script({ method: 'POST', path: chatPath(PARTNER) }, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } });
    e2e.connector.script({ method: 'POST', path: chatPath(PARTNER) }, { status: 200, body: { id: 'too-late' }, delayMs: 3000 });
    await e2e.app.claims.comment(actorOf(REVIEWER), claim.id, claim.version, { text: 'Flaky comment' });

    const comment = await settled(claim.id, 'new-comment');
    assert.equal(comment.state, 'sent');
    assert.equal(comment.attempts, 3);
    const tries = showing(chatRequests(PARTNER), 'Flaky comment');
    assert.deepEqual(
      tries.map((request) => request.status),
      [503, 0, 200],
      'refused, unanswered (timed out), accepted',
    );
    assert.ok(tries[1]!.at - tries[0]!.at >= 100, 'backed off after the 503');
    assert.ok(tries[2]!.at - tries[1]!.at >= 400, 'waited for the timeout, then backed off');
    assert.deepEqual(await journalOf(comment.dedupeKey), ['*:done', 'copy:sent']);
    const figures = await health();
    assert.deepEqual([figures.outbox.pending, figures.outbox.deadLetters], [0, 0]);
  });

  it('30 alerts while the connector throttles and fails: 30 of 30 exactly once, within every limit', async () => {
    await start();
    const claim = await claimInReview();
    // The partner has the claim card open: every comment changes it too.
    const [card] = await e2e.say(PARTNER, `claim ${claim.id}`, { replyId: 'partner-card' });
    assert.ok(card);
    const partnerChat = { method: 'POST', path: chatPath(PARTNER) };
    const ok = (times: number) => e2e.connector.script(partnerChat, { status: 200, body: { id: `alert-${times}` } }, times);
    ok(5);
    e2e.connector.script(partnerChat, { status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'Throttled', message: 'slow down' } } });
    ok(6);
    e2e.connector.script(partnerChat, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } }, 2);
    ok(6);
    e2e.connector.script(partnerChat, { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'Throttled', message: 'slow down' } } });

    let current = claim;
    for (let i = 1; i <= 30; i += 1) current = await e2e.app.claims.comment(actorOf(REVIEWER), claim.id, current.version, { text: `Note ${i} of 30` });
    await eventually(
      async () => (await outboxOf(claim.id)).filter((alert) => alert.kind === 'new-comment' && alert.state === 'sent').length === 30,
      '30 comment alerts sent',
      60_000,
    );
    await e2e.quiet(500);

    const posts = chatRequests(PARTNER).filter((request) => request.method === 'POST');
    for (let i = 1; i <= 30; i += 1) {
      assert.equal(accepted(showing(posts, `Note ${i} of 30`)).length, 1, `Note ${i} delivered exactly once`);
    }
    // Each refusal was answered by a wait: no post into the chat before Retry-After, a backoff after 503.
    posts.forEach((request, index) => {
      const next = posts[index + 1];
      if (!next) return;
      if (request.status === 429) assert.ok(next.at - request.at >= 2000, `a post ${next.at - request.at} ms after a 429`);
    });
    assert.equal(posts.filter((request) => request.status === 429 || request.status === 503).length, 4);
    assertWithinTeamsWindows(proactiveTraffic(PARTNER), 'partner chat, posts and updates');
    // 30 changes, but the claim card open in the chat is rewritten far fewer times: changes
    // gathered together, or arriving while its update waits, are folded into one.
    const updates = e2e.updatesOf(PARTNER, 'partner-card');
    assert.ok(updates.length >= 1 && updates.length < 30, `${updates.length} updates of the open claim card`);
    assertShows(cardIn(updates.at(-1)!.body), 'Note 30 of 30');
    const figures = await health();
    assert.deepEqual([figures.outbox.pending, figures.outbox.deadLetters], [0, 0]);
  });

  it('one Approve with three posted copies: the clicked one is the invoke response, each other copy is updated once', async () => {
    await start();
    const claim = await claimInReview();
    await e2e.say(REVIEWER, `claim ${claim.id}`, { replyId: 'reviewer-card-1' });
    await e2e.say(REVIEWER, `claim ${claim.id}`, { replyId: 'reviewer-card-2' });
    await e2e.say(PARTNER, `claim ${claim.id}`, { replyId: 'partner-card' });
    await e2e.quiet();
    const before = e2e.connector.updates().length;

    const response = await e2e.click(REVIEWER, 'approve', { claimId: claim.id, version: claim.version, approveComment: '' }, { replyToId: 'reviewer-card-1' });
    const approvedText = en.t('cards.common.statusWithPhase', { status: en.t('claims.status.Approved'), phase: en.t('claims.consentPhase.window-open') });
    assertShows(invokeCard(response), approvedText);
    await eventually(
      () => e2e.updatesOf(PARTNER, 'partner-card').length > 0 && e2e.updatesOf(REVIEWER, 'reviewer-card-2').length > 0,
      'the other copies updated',
    );
    await settled(claim.id, 'approved');
    await e2e.quiet(500);

    assert.equal(e2e.updatesOf(REVIEWER, 'reviewer-card-1').length, 0, 'the clicked card is never PUT');
    assert.equal(e2e.updatesOf(REVIEWER, 'reviewer-card-2').length, 1);
    assert.equal(e2e.updatesOf(PARTNER, 'partner-card').length, 1);
    assertShows(cardIn(e2e.updatesOf(PARTNER, 'partner-card')[0]!.body), approvedText);
    assert.ok(e2e.connector.updates().length > before);
    assertWithinTeamsWindows(proactiveTraffic(REVIEWER), 'reviewer chat');
    assertWithinTeamsWindows(proactiveTraffic(PARTNER), 'partner chat');
  });

  it('a message recorded twice as a copy (the connector gave its id twice) is updated once', async () => {
    await start();
    const claim = await claimInReview();
    await e2e.say(PARTNER, `claim ${claim.id}`, { replyId: 'partner-card' });
    await e2e.say(PARTNER, `claim ${claim.id}`, { replyId: 'partner-card' });
    await e2e.quiet();
    await e2e.app.claims.approve(actorOf(REVIEWER), claim.id, claim.version);
    await eventually(() => e2e.updatesOf(PARTNER, 'partner-card').length > 0, 'the copy updated');
    await settled(claim.id, 'approved');
    await e2e.quiet(500);
    assert.equal(e2e.updatesOf(PARTNER, 'partner-card').length, 1);
    assert.equal((await health()).cardUpdates.coalesced, 0, 'one copy: no second update to fold into the first');
  });

  it('a card copy the journal cannot take: the reply still comes, that copy is not kept current, the next one is', async () => {
    await start();
    const claim = await claimInReview();
    const copiesJournal = join(folderOf(e2e.dataDir, 'proactive/card-copies'), JOURNAL_FILE);
    await rename(copiesJournal, `${copiesJournal}.aside`);
    await mkdir(copiesJournal);

    const replies = await e2e.say(REVIEWER, `claim ${claim.id}`, { replyId: 'card-not-kept' });
    assertShows(cardIn(replies[0]!), claim.id);
    assert.ok(
      e2e.logs.some((line) => line.startsWith('proactive: remembering the claim card failed') && line.includes('EISDIR')),
      'the failed record is logged',
    );

    await rm(copiesJournal, { recursive: true });
    await rename(`${copiesJournal}.aside`, copiesJournal);
    await e2e.say(REVIEWER, `claim ${claim.id}`, { replyId: 'card-kept' });
    await e2e.quiet();
    await e2e.app.claims.approve(actorOf(REVIEWER), claim.id, claim.version);
    await eventually(() => e2e.updatesOf(REVIEWER, 'card-kept').length > 0, 'the recorded copy updated');
    await settled(claim.id, 'approved');
    await e2e.quiet(500);
    assert.equal(e2e.updatesOf(REVIEWER, 'card-kept').length, 1);
    assert.equal(e2e.updatesOf(REVIEWER, 'card-not-kept').length, 0);
  });

  it('a card update refused with 503, then 429, is retried in its lane and lands once, without a log line', async () => {
    await start();
    const claim = await claimInReview();
    await e2e.say(PARTNER, `claim ${claim.id}`, { replyId: 'partner-card' });
    await e2e.quiet();
    const put = { method: 'PUT', path: /\/activities\/partner-card$/ };
    e2e.connector.script(put, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } });
    e2e.connector.script(put, { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'Throttled', message: 'slow down' } } });
    await e2e.app.claims.comment(actorOf(REVIEWER), claim.id, claim.version, { text: 'Updated in the end' });
    await eventually(() => accepted(e2e.updatesOf(PARTNER, 'partner-card')).length === 1, 'the update landed', 15_000);
    await e2e.quiet(300);
    const tries = e2e.updatesOf(PARTNER, 'partner-card');
    assert.deepEqual(
      tries.map((request) => request.status),
      [503, 429, 200],
    );
    assert.ok(tries[2]!.at - tries[1]!.at >= 1000, 'waited out the Retry-After');
    assertShows(cardIn(tries[2]!.body), 'Updated in the end');
    assert.deepEqual(
      e2e.logs.filter((line) => line.includes('card of')),
      [],
    );
    assert.equal((await health()).cardUpdates.failed, 0, 'retried, not given up');
  });

  it('an "action needed" alert stays readable after the claim is approved, with one line saying where it is now', async () => {
    await start();
    let claim = await claimInReview();
    e2e.nameNextAlert(PARTNER, 'action-alert');
    claim = await e2e.app.claims.requestInformation(actorOf(REVIEWER), claim.id, claim.version, {
      reasons: ['missing-products'],
      comment: 'Name the workloads, please.',
    });
    const alert = await e2e.waitForAlert(PARTNER, en.t('cards.alert.information-requested.title', { claimId: claim.id }));
    assert.ok(JSON.stringify(cardIn(alert.body)).includes(en.t('cards.action.respond')), 'the alert offers Respond');

    claim = await e2e.app.claims.resubmit(actorOf(PARTNER), claim.id, claim.version, { comment: 'Teams and Exchange.' });
    claim = await e2e.app.claims.approve(actorOf(REVIEWER), claim.id, claim.version);
    const approvedText = en.t('cards.common.statusWithPhase', { status: en.t('claims.status.Approved'), phase: en.t('claims.consentPhase.window-open') });
    await eventually(
      () => e2e.updatesOf(PARTNER, 'action-alert').some((update) => cardStrings(update.body).includes(en.t('cards.alert.now', { status: approvedText }))),
      'the alert gained its Now line',
      10_000,
    );
    await e2e.quiet(300);
    const updated = cardIn(e2e.updatesOf(PARTNER, 'action-alert').at(-1)!.body);
    assertShows(
      updated,
      en.t('cards.alert.information-requested.title', { claimId: claim.id }),
      'Name the workloads, please.',
      en.t('cards.alert.now', { status: approvedText }),
    );
    const buttons = ((updated.actions ?? []) as { title?: string }[]).map((action) => action.title);
    assert.deepEqual(buttons, [en.t('cards.action.open')], 'Respond goes once the claim has moved on; Open stays');
    // Resubmitted, then approved: at most one update per status it moved through.
    assert.ok(e2e.updatesOf(PARTNER, 'action-alert').length <= 2);
  });

  it('a posted card of a duplicate draft, updated after a change, does not offer Submit', async () => {
    await start();
    const first = await walkCreateClaim(e2e, PARTNER, 'summary');
    const second = await walkCreateClaim(e2e, PARTNER, 'summary');
    let held = await e2e.app.claims.get(actorOf(PARTNER), first.claimId);
    await e2e.app.claims.submit(actorOf(PARTNER), held.id, held.version);
    await e2e.say(PARTNER, `claim ${second.claimId}`, { replyId: 'duplicate-card' });
    await e2e.quiet();
    held = await e2e.app.claims.get(actorOf(PARTNER), second.claimId);
    await e2e.app.claims.update(actorOf(PARTNER), held.id, held.version, { partnerContact: { name: 'Pat Renamed', email: 'pat@contoso.com' } });
    await eventually(() => accepted(e2e.updatesOf(PARTNER, 'duplicate-card')).length === 1, 'the card was updated');
    const updated = cardIn(accepted(e2e.updatesOf(PARTNER, 'duplicate-card'))[0]!.body);
    assert.ok(JSON.stringify(updated).includes('Pat Renamed'), 'the update shows the change');
    assert.ok(!verbsOf(updated).includes('submit'), `Submit is not offered on a duplicate: ${verbsOf(updated).join(', ')}`);
  });

  it('an alert still being posted when the claim moves on is brought up to date once Teams answers', async () => {
    await start();
    let claim = await claimInReview();
    e2e.nameNextAlert(PARTNER, 'slow-alert', 1500);
    claim = await e2e.app.claims.requestInformation(actorOf(REVIEWER), claim.id, claim.version, { reasons: ['missing-products'], comment: 'Which workloads?' });
    await e2e.waitForAlert(PARTNER, en.t('cards.alert.information-requested.title', { claimId: claim.id }));
    // Teams has not answered yet: the bot does not know the alert's id, so nothing can be updated.
    claim = await e2e.app.claims.resubmit(actorOf(PARTNER), claim.id, claim.version, { comment: 'Teams.' });
    await e2e.app.claims.approve(actorOf(REVIEWER), claim.id, claim.version);
    assert.equal(e2e.updatesOf(PARTNER, 'slow-alert').length, 0);
    const approvedText = en.t('cards.common.statusWithPhase', { status: en.t('claims.status.Approved'), phase: en.t('claims.consentPhase.window-open') });
    await eventually(
      () => e2e.updatesOf(PARTNER, 'slow-alert').some((update) => cardStrings(update.body).includes(en.t('cards.alert.now', { status: approvedText }))),
      'the alert gained its Now line',
      10_000,
    );
    await e2e.quiet(300);
    assert.equal(e2e.updatesOf(PARTNER, 'slow-alert').length, 1, 'one update, for where the claim is now');
  });
});
