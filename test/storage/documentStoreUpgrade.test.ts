import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CardCopies } from '../../bot/proactive/cardCopies.js';
import type { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore, type StoredReference } from '../../bot/proactive/conversationReferences.js';
import { DeliveryJournal } from '../../bot/proactive/deliveryJournal.js';
import type { ProactiveAdapter } from '../../bot/proactive/proactiveTurn.js';
import { UsedConsentTokens } from '../../consent/usedConsentTokens.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { makeClaimDocument, removeAllTempDataDirs, tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { ManualClock } from '../support/serviceHarness.js';

// Upgrading: a DATA_DIR written by the previous version (before the document store) is read by
// the files engine with nothing acknowledged lost: conversation references and card copies in
// their folders as they are, the delivery journal's JSON lines and the used consent tokens'
// file imported once (then removed), and everything still there after the next restart.

const DAY = 24 * 60 * 60 * 1000;
const hashName = (key: string) => `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;

const reference: StoredReference = {
  key: 'tenant-1|a:partner',
  tenantId: 'tenant-1',
  kind: 'personal',
  reference: {
    serviceUrl: 'https://smba.example/',
    channelId: 'msteams',
    conversation: { id: 'a:partner', conversationType: 'personal', tenantId: 'tenant-1' },
    bot: { id: '28:bot', name: 'CPOR' },
    user: { id: '29:partner', aadObjectId: 'partner-1' },
  },
  userId: 'partner-1',
  teamsUserId: '29:partner',
  roles: ['reviewer'],
  locale: 'de-DE',
  timeZone: 'Europe/Berlin',
  updatedAt: '2026-02-01T10:00:00.000Z',
};

describe('document store, files engine: a DATA_DIR of the previous version', () => {
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const now = clock.now().getTime();
  let dir: TempDataDir;
  let reported: string[];
  const open = () => new FileDocumentStore({ dataDir: dir.path, clock, log: (message) => reported.push(message) });

  beforeEach(async () => {
    reported = [];
    dir = await tempDataDir('cpor-upgrade-');
  });

  after(removeAllTempDataDirs);

  it('reads the conversation references, one file per key, and finds them by tenant, user and role', async () => {
    await mkdir(join(dir.path, 'conversations'), { recursive: true });
    await writeFile(join(dir.path, 'conversations', hashName(reference.key)), JSON.stringify(reference));
    await writeFile(join(dir.path, 'conversations', hashName('broken')), '{"key": "broken"');

    const references = await ConversationReferenceStore.open(open(), { clock });
    assert.deepEqual(await references.get(reference.key), reference);
    assert.equal((await references.personalChat('tenant-1', 'partner-1'))?.key, reference.key);
    assert.deepEqual(
      (await references.reviewerChats()).map((stored) => stored.key),
      [reference.key],
    );
    assert.ok(
      reported.some((line) => line.includes('unreadable')),
      'the damaged file is reported, the rest is read',
    );

    // Written again in the new layout; a restart reads that.
    await references.markDead(reference.key, 'ConversationBlockedByUser');
    const restarted = await ConversationReferenceStore.open(open(), { clock });
    assert.equal((await restarted.get(reference.key))?.dead?.reason, 'ConversationBlockedByUser');
    assert.equal(await restarted.personalChat('tenant-1', 'partner-1'), undefined);
    assert.equal((await restarted.anyPersonalChat('tenant-1', 'partner-1'))?.key, reference.key);
  });

  it('reads the card copies of a claim, one file per claim named by its id, and keeps them current', async () => {
    const { claim } = makeClaimDocument();
    const copy = {
      conversationKey: reference.key,
      activityId: 'activity-1',
      recipient: { conversationKey: reference.key, role: 'reviewer', userId: 'partner-1', locale: 'sv', timeZone: 'Europe/Berlin', channel: false },
      recordedAt: '2026-02-01T10:00:00.000Z',
      // The oldest copies had no kind: claim cards.
    };
    await mkdir(join(dir.path, 'proactive', 'card-copies'), { recursive: true });
    await writeFile(join(dir.path, 'proactive', 'card-copies', hashName(claim.id)), JSON.stringify([copy]));

    const queued: string[] = [];
    const lanes = { enqueue: (conversationKey: string) => queued.push(conversationKey) } as unknown as ConversationLanes;
    const documents = open();
    const copies = await CardCopies.open({
      documents,
      adapter: {} as ProactiveAdapter,
      appId: '',
      references: await ConversationReferenceStore.open(documents, { clock }),
      lanes,
      latestClaim: async () => claim,
      render: {
        claimCard: async () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
        alertCard: () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
      },
      clock,
      settings: { requestTimeoutMs: 1000, backoffBaseMs: 10, backoffMaxMs: 100 },
    });
    await copies.claimChanged(claim);
    assert.deepEqual(queued, [reference.key], 'the copy the previous version recorded is updated');
    assert.deepEqual(reported, []);
  });

  it('imports the delivery journal once: the latest entry per recipient, unfinished sends kept, old settled ones dropped', async () => {
    const lines = [
      { key: 'alert-1', target: 'c1', state: 'sending', at: now - 1000 },
      { key: 'alert-1', target: 'c1', state: 'sent', at: now - 900, activityId: 'm-1' },
      { key: 'alert-1', target: '*', state: 'done', at: now - 800 },
      { key: 'old', target: 'c1', state: 'sent', at: now - 40 * DAY },
      { key: 'crashed', target: 'c2', state: 'sending', at: now - 40 * DAY },
    ];
    const path = join(dir.path, 'proactive', 'delivery-journal.jsonl');
    await mkdir(join(dir.path, 'proactive'), { recursive: true });
    // The last line is torn: a crash mid-append, its fsync never returned.
    await writeFile(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"key":"torn","tar`);

    const options = { retentionMs: 30 * DAY, clock };
    const journal = await DeliveryJournal.open(open(), options);
    assert.deepEqual(await journal.state('alert-1', 'c1'), lines[1]);
    assert.equal(await journal.isDone('alert-1'), true);
    assert.equal(await journal.state('old', 'c1'), undefined, 'settled beyond the retention');
    assert.equal((await journal.state('crashed', 'c2'))?.state, 'sending', 'an unfinished send never expires');
    assert.equal(await journal.state('torn', 'c1'), undefined);
    await assert.rejects(access(path), 'the old file is removed once imported');
    assert.ok(reported.some((line) => line.includes('line 6')));

    const restarted = await DeliveryJournal.open(open(), options);
    assert.equal((await restarted.state('alert-1', 'c1'))?.activityId, 'm-1');
    assert.equal((await restarted.state('crashed', 'c2'))?.state, 'sending');
    assert.equal(await restarted.isDone('alert-1'), true);

    // Entries expire with the retention, by the Clock; the unfinished send stays.
    clock.advance(31 * DAY);
    const later = await DeliveryJournal.open(open(), options);
    assert.equal(await later.state('alert-1', 'c1'), undefined);
    assert.equal((await later.state('crashed', 'c2'))?.state, 'sending');
    assert.equal((await readdir(join(dir.path, 'proactive', 'delivery-journal'))).length, 1, 'the sweep at start deleted the expired entries');
    clock.set('2026-03-02T09:00:00Z');
  });

  it('imports the used consent tokens once: a used link stays used, an expired record is dropped', async () => {
    const path = join(dir.path, 'consent', 'used-tokens.json');
    await mkdir(join(dir.path, 'consent'), { recursive: true });
    await writeFile(path, JSON.stringify({ 'jti-used': now + DAY, 'jti-expired': now - 1 }));

    const used = await UsedConsentTokens.open(open());
    assert.equal(await used.has('jti-used'), true);
    assert.equal(await used.has('jti-expired'), false);
    assert.equal(await used.markUsed('jti-used', new Date(now + DAY)), false, 'a second use is refused');
    await assert.rejects(access(path), 'the old file is removed once imported');

    const restarted = await UsedConsentTokens.open(open());
    assert.equal(await restarted.has('jti-used'), true);
    assert.equal(await restarted.markUsed('jti-new', new Date(now + DAY)), true);
    assert.equal(await restarted.markUsed('jti-new', new Date(now + DAY)), false);
  });
});
