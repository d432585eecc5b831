import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import { JOURNAL_FILE } from '../../storage/files/collectionFolder.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { ManualClock } from '../support/serviceHarness.js';

// Where a person is reachable is recorded on every turn; a turn that changes nothing of it must
// not cost a durable write (every message and card click goes through here).

const TENANT = '11111111-1111-4111-8111-111111111111';

function messageFrom(user: string, locale = 'en-US'): Partial<Activity> {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/emea/',
    locale,
    from: { id: `29:${user}`, aadObjectId: user, name: user },
    recipient: { id: '28:bot', name: 'CPOR Claims Assistant' },
    conversation: { id: `a:${user}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
    channelData: { tenant: { id: TENANT } },
    localTimezone: 'Europe/Madrid',
  } as Partial<Activity>;
}

describe('conversation references', function () {
  let dataDir: string;
  let clock: ManualClock;
  let references: ConversationReferenceStore;

  beforeEach(async function () {
    dataDir = await mkdtemp(join(tmpdir(), 'cpor-references-'));
    clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const documents = new FileDocumentStore({ dataDir, clock });
    references = await ConversationReferenceStore.open(documents, { clock });
  });
  afterEach(async function () {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** What the files engine has stored for the collection: its journal. */
  const storedText = (): Promise<string> => readFile(join(dataDir, 'conversations', JOURNAL_FILE), 'utf8');

  it('a turn that changes nothing of the reference writes nothing; a change is written', async function () {
    const actor = { userId: 'ana', roles: ['incentives-admin' as const], organisation: { tenantId: TENANT } };
    const first = await references.recordActivity(messageFrom('ana'), actor);
    assert.equal(first?.reachable, true);
    const written = await storedText();

    clock.advance(60_000);
    const again = await references.recordActivity(messageFrom('ana'), actor);
    assert.equal(again?.reachable, false);
    assert.equal(await storedText(), written, 'the same turn again rewrote the reference');

    clock.advance(60_000);
    await references.recordActivity(messageFrom('ana', 'es-ES'), actor);
    const changed = JSON.parse((await storedText()).trim().split('\n').at(-1)!) as { value: { locale: string; updatedAt: string } };
    assert.equal(changed.value.locale, 'es');
    assert.equal(changed.value.updatedAt, '2026-03-02T09:02:00.000Z');
  });
});
