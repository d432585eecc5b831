import assert from 'node:assert/strict';
import { CardCopies } from '../../bot/proactive/cardCopies.js';
import type { ConversationLanes } from '../../bot/proactive/conversationLanes.js';
import { ConversationReferenceStore } from '../../bot/proactive/conversationReferences.js';
import type { GatherSchedule } from '../../bot/proactive/gather.js';
import type { ProactiveAdapter } from '../../bot/proactive/proactiveTurn.js';
import type { Recipient } from '../../bot/proactive/recipients.js';
import type { Claim } from '../../services/model.js';
import type { DocumentStore } from '../../services/store/documentStore.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { makeClaimDocument, removeAllTempDataDirs, tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { ManualClock } from '../support/serviceHarness.js';

// Every committed change refreshes the cards already posted of its claim, and finding them is a
// read (on PostgreSQL a statement). A burst of approvals read them one change at a time; now the
// changes of the next GATHER_MS are read together, which the database engine sends as one batch.

const recipient = (conversationKey: string): Recipient => ({
  conversationKey,
  role: 'reviewer',
  userId: 'reviewer-1',
  locale: 'en',
  timeZone: 'UTC',
  channel: false,
});

describe('proactive: the posted cards of a burst of changes', () => {
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  let dir: TempDataDir;
  /** Conversations whose copy got an update queued, in order. */
  let queued: string[];
  /** Claims whose copies were read, and how many reads had been asked for when each read's turn of the event loop ended. */
  let reads: Array<{ claimId: string; askedInItsTurn?: number }>;
  /** The gathered read, held until the test starts it. */
  let held: Array<() => void>;
  /** The schedule starts the read at once instead of holding it. */
  let startAtOnce: boolean;
  let latest: Map<string, Claim>;
  let copies: CardCopies;

  const gather: GatherSchedule = (start) => {
    if (startAtOnce) {
      start();
      return { cancel: () => undefined };
    }
    held.push(start);
    return { cancel: () => (held = held.filter((waiting) => waiting !== start)) };
  };

  /** The real store, its copies' reads noted with how many were asked in the same turn (what a database engine batches). */
  function observed(documents: DocumentStore): DocumentStore {
    return {
      collection: async (definition) => {
        const collection = await documents.collection(definition);
        if (definition.name !== 'proactive/card-copies') return collection;
        return Object.assign(Object.create(collection) as typeof collection, {
          get: (key: string) => {
            const read: (typeof reads)[number] = { claimId: key };
            reads.push(read);
            const askedBefore = reads.length - 1;
            setImmediate(() => (read.askedInItsTurn = reads.length - askedBefore));
            return collection.get(key);
          },
        });
      },
    };
  }

  beforeEach(async () => {
    dir = await tempDataDir('cpor-card-gather-');
    queued = [];
    reads = [];
    held = [];
    startAtOnce = false;
    latest = new Map();
    const documents = observed(new FileDocumentStore({ dataDir: dir.path, clock }));
    const lanes = { enqueue: (conversationKey: string) => queued.push(conversationKey) } as unknown as ConversationLanes;
    copies = await CardCopies.open({
      documents,
      adapter: {} as ProactiveAdapter,
      appId: '',
      references: await ConversationReferenceStore.open(documents, { clock }),
      lanes,
      latestClaim: async (claimId) => latest.get(claimId),
      render: {
        claimCard: async () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
        alertCard: () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
      },
      clock,
      settings: { requestTimeoutMs: 1000, backoffBaseMs: 10, backoffMaxMs: 100 },
      gather,
    });
  });

  after(removeAllTempDataDirs);

  /** A claim with one claim card posted in each of `conversations` (message `<conversation>-card`). */
  async function posted(...conversations: string[]): Promise<Claim> {
    const { claim } = makeClaimDocument();
    latest.set(claim.id, claim);
    for (const conversation of conversations) await copies.recordClaimCard(claim, `${conversation}-card`, recipient(conversation));
    reads = [];
    return claim;
  }

  const changed = (claim: Claim, version: number): Claim => {
    const next = { ...claim, version };
    latest.set(claim.id, next);
    return next;
  };

  it("reads the copies of the changes committed while gathering together, then queues each one's updates", async () => {
    const claims = [await posted('chat-a'), await posted('chat-b'), await posted('chat-c')];
    const done = claims.map((claim) => copies.claimChanged(changed(claim, 2)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reads.length, 0, 'nothing is read while the changes gather');
    assert.deepEqual(queued, []);
    assert.equal(held.length, 1, 'one read for the three changes');

    held[0]!();
    await Promise.all(done);
    assert.deepEqual(
      reads.map((read) => read.claimId),
      claims.map((claim) => claim.id),
    );
    assert.deepEqual(
      reads.map((read) => read.askedInItsTurn),
      [3, 2, 1],
      'the three reads are asked in one turn of the event loop, which the database engine sends as one statement',
    );
    assert.deepEqual(queued, ['chat-a', 'chat-b', 'chat-c']);
  });

  it("of one claim's changes gathered together, the latest decides which clicked card is already current", async () => {
    const claim = await posted('chat-a', 'chat-b');
    // Approved from the card in chat A, then asked again from the card in chat B: B's card is the
    // one the last invoke answered, and A's must show the later change.
    const first = copies.claimChanged(changed(claim, 2), { conversationKey: 'chat-a', activityId: 'chat-a-card' });
    const second = copies.claimChanged(changed(claim, 3), { conversationKey: 'chat-b', activityId: 'chat-b-card' });
    held[0]!();
    await Promise.all([first, second]);
    assert.deepEqual(queued, ['chat-a']);

    // A change reported late (an older version) does not undo the later one's view.
    const later = copies.claimChanged(changed(claim, 5), { conversationKey: 'chat-a', activityId: 'chat-a-card' });
    const older = copies.claimChanged({ ...claim, version: 4 }, { conversationKey: 'chat-b', activityId: 'chat-b-card' });
    held[1]!();
    await Promise.all([later, older]);
    assert.deepEqual(queued, ['chat-a', 'chat-b']);
  });

  it('a claim card posted while a change gathered already shows it, and is not updated for it', async () => {
    const claim = await posted('chat-a');
    const next = changed(claim, 2);
    const done = copies.claimChanged(next);
    // Sent in reply to `claim <id>` after the change, before the gathered read: rendered with version 2.
    await copies.recordClaimCard(next, 'chat-b-card', recipient('chat-b'));
    held[0]!();
    await done;
    assert.deepEqual(queued, ['chat-a'], 'only the card posted with version 1 is updated');
  });

  it('a change after the gathered read started waits for the next one', async () => {
    const [first, second] = [await posted('chat-a'), await posted('chat-b')];
    const done = copies.claimChanged(changed(first, 2));
    held[0]!();
    const next = copies.claimChanged(changed(second, 2));
    await done;
    assert.deepEqual(queued, ['chat-a']);
    assert.equal(held.length, 2);
    held[1]!();
    await next;
    assert.deepEqual(queued, ['chat-a', 'chat-b']);
  });

  it("a later change folds into the copy's update still waiting in its conversation's lane: one update, counted as coalesced", async () => {
    const claim = await posted('chat-a');
    const first = copies.claimChanged(changed(claim, 2));
    held[0]!();
    await first;
    // The lane has not run the update queued for version 2 (a 429's Retry-After, say): it will show version 3.
    const second = copies.claimChanged(changed(claim, 3));
    held[1]!();
    await second;
    assert.deepEqual(queued, ['chat-a']);
    assert.equal(copies.health().coalesced, 1);
  });

  it('a schedule that starts the read at once still reads the change that asked for it', async () => {
    const claim = await posted('chat-a');
    startAtOnce = true;
    await copies.claimChanged(changed(claim, 2));
    assert.deepEqual(queued, ['chat-a']);
  });

  it('stopping drops the changes still gathering: nothing is read or queued, and their callers are answered', async () => {
    const claim = await posted('chat-a');
    const done = copies.claimChanged(changed(claim, 2));
    await copies.stop();
    await done;
    assert.deepEqual(held, [], 'the gathering was cancelled');
    await copies.claimChanged(changed(claim, 3));
    assert.deepEqual(reads, []);
    assert.deepEqual(queued, []);
  });
});
