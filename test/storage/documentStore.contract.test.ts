import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { isDocumentConflict, type CollectionDefinition, type DocumentStore } from '../../services/store/documentStore.js';
import { JOURNAL_FILE } from '../../storage/files/collectionFolder.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresDocumentStore } from '../../storage/postgres/postgresDocumentStore.js';
import { removeAllTempDataDirs, tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip } from '../support/postgresCluster.js';
import { ManualClock } from '../support/serviceHarness.js';

// The document store's contract, one suite for both engines (no mocks on either side): eTags and
// conditional writes, tag lookups, schema checks on read, expiry by the Clock, and a second handle
// on the same data (a restart for files, another instance for postgres).

const ChatSchema = z.object({ tenantId: z.string(), userId: z.string(), kind: z.enum(['personal', 'channel']), reviewer: z.boolean(), note: z.string() });
type Chat = z.infer<typeof ChatSchema>;

const CHATS: CollectionDefinition<Chat> = {
  name: 'contract/chats',
  schema: ChatSchema,
  tags: (chat) => ({ tenantId: chat.tenantId, userId: chat.userId, kind: chat.kind, reviewer: chat.reviewer }),
};

/** The same documents read by key alone (no tags), as the card copies and the delivery journal are. */
const NOTES: CollectionDefinition<Chat> = { name: 'contract/notes', schema: ChatSchema };

const chat = (overrides: Partial<Chat> = {}): Chat => ({ tenantId: 't1', userId: 'u1', kind: 'personal', reviewer: false, note: 'first', ...overrides });

interface DocumentEngine {
  /** An empty store for one test. */
  fresh(): Promise<DocumentStore>;
  /** Another handle on the same data: a restart (files) or another instance (postgres). */
  another(): Promise<DocumentStore>;
  /** Replaces what is stored under `key` with something the schema rejects, behind the store's back. */
  damage(collection: string, key: string): Promise<void>;
  cleanup(): Promise<void>;
}

function documentStoreContract(engineName: 'files' | 'postgres'): void {
  describe(`DocumentStore contract: ${engineName} engine`, function () {
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    let reported: string[];
    let engine: DocumentEngine;
    let store: DocumentStore;
    let adminPool: pg.Pool | undefined;
    const log = (message: string) => reported.push(message);

    before(async function () {
      if (engineName === 'files') {
        let dir: TempDataDir | undefined;
        engine = {
          async fresh() {
            dir = await tempDataDir('cpor-documents-');
            return new FileDocumentStore({ dataDir: dir.path, clock, log });
          },
          // One process owns a DATA_DIR: a new handle loads the files again, as after a restart.
          another: async () => new FileDocumentStore({ dataDir: dir!.path, clock, log }),
          // Every line the journal holds for the key.
          async damage(collection, key) {
            const journal = join(dir!.path, ...collection.split('/'), JOURNAL_FILE);
            const lines = (await readFile(journal, 'utf8')).split('\n');
            const damaged = JSON.stringify({ envelope: 1, key, eTag: 'x', value: { tenantId: 42 } });
            await writeFile(journal, lines.map((line) => (line && (JSON.parse(line) as { key: string }).key === key ? damaged : line)).join('\n'));
          },
          async cleanup() {
            await dir?.remove();
          },
        };
        return;
      }
      this.timeout(120_000);
      const cluster = await clusterOrSkip(this, 'the DocumentStore contract on the postgres engine');
      const url = await cluster.createDatabase('cpor_documents');
      const pools: pg.Pool[] = [];
      const open = async () => {
        const pool = createPool({ connectionString: url });
        pools.push(pool);
        return new PostgresDocumentStore({ pool, clock, log });
      };
      const admin = createPool({ connectionString: url });
      adminPool = admin;
      await migrate(admin, clock);
      engine = {
        async fresh() {
          await admin.query('TRUNCATE documents');
          return open();
        },
        another: open,
        async damage(collection, key) {
          await admin.query(`UPDATE documents SET body = '{"tenantId": 42}'::jsonb WHERE collection = $1 AND key = $2`, [collection, key]);
        },
        async cleanup() {
          await Promise.all(pools.splice(0).map((pool) => pool.end()));
        },
      };
    });

    beforeEach(async () => {
      reported = [];
      clock.set('2026-03-02T09:00:00Z');
      store = await engine.fresh();
    });

    afterEach(async () => {
      await engine?.cleanup();
    });

    after(async () => {
      await adminPool?.end();
      await removeAllTempDataDirs();
    });

    it('gets nothing for an unknown key, then what was put, with an eTag that changes on every write; delete removes it', async () => {
      const chats = await store.collection(CHATS);
      assert.equal(await chats.get('a'), undefined);
      const first = await chats.put('a', chat());
      assert.equal(typeof first, 'string');
      assert.deepEqual(await chats.get('a'), { key: 'a', value: chat(), eTag: first });
      // The files engine shares its cached value frozen (the change throws), postgres hands out a copy.
      for (const collection of [chats, await store.collection(NOTES)]) {
        if (collection !== chats) await collection.put('a', chat());
        const read = (await collection.get('a'))!;
        try {
          read.value.note = 'changed by a reader';
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
        }
        assert.equal((await collection.get('a'))?.value.note, 'first', 'a reader changed the stored document');
      }
      const second = await chats.put('a', chat({ note: 'second' }));
      assert.notEqual(second, first);
      assert.equal((await chats.get('a'))?.value.note, 'second');
      assert.equal(await chats.delete('a'), true);
      assert.equal(await chats.get('a'), undefined);
      assert.equal(await chats.delete('a'), false);
    });

    it('ifMatch: writes and deletes only the version read, a typed conflict otherwise', async () => {
      const chats = await store.collection(CHATS);
      const first = await chats.put('a', chat());
      const second = await chats.put('a', chat({ note: 'second' }), { ifMatch: first });
      await assert.rejects(chats.put('a', chat({ note: 'stale' }), { ifMatch: first }), (error: unknown) => {
        assert.ok(isDocumentConflict(error), String(error));
        assert.equal(error.reason, 'changed');
        return true;
      });
      assert.equal((await chats.get('a'))?.value.note, 'second');
      await assert.rejects(chats.delete('a', { ifMatch: first }), isDocumentConflict);
      await assert.rejects(chats.put('gone', chat(), { ifMatch: first }), isDocumentConflict, 'nothing to match');
      assert.equal(await chats.delete('a', { ifMatch: second }), true);
      assert.equal(await chats.get('a'), undefined);
    });

    it('ifNoneMatch creates only: of five creators at once exactly one wins, and its document is stored', async () => {
      // Files: one process owns the folder, so the creators share its handle; postgres: one
      // handle each stands for several instances.
      const handles = engineName === 'files' ? [store, store, store, store, store] : await Promise.all([1, 2, 3, 4, 5].map(() => engine.another()));
      const outcomes = await Promise.allSettled(
        handles.map(async (handle, index) => (await handle.collection(CHATS)).put('token', chat({ note: `creator ${index}` }), { ifNoneMatch: true })),
      );
      const won = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
      assert.equal(won.length, 1, 'exactly one creator');
      for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(isDocumentConflict(outcome.reason) && outcome.reason.reason === 'exists');
      const stored = await (await engine.another()).collection(CHATS).then((chats) => chats.get('token'));
      assert.equal(stored?.value.note, `creator ${won[0]}`);
    });

    /** Chats a to d, put out of key order: a and c of tenant t1, b and d of t2, c and d reviewers'. */
    const fourChats = async () => {
      const chats = await store.collection(CHATS);
      await chats.put('c', chat({ userId: 'u2', reviewer: true }));
      await chats.put('a', chat());
      await chats.put('b', chat({ tenantId: 't2', kind: 'channel' }));
      await chats.put('d', chat({ tenantId: 't2', reviewer: true }));
      return chats;
    };

    it('finds by equality on tags, recomputed on every write, ordered by key', async () => {
      const chats = await fourChats();
      const keys = async (tags: Parameters<typeof chats.find>[0]) => (await chats.find(tags)).map((document) => document.key);
      assert.deepEqual(await keys({ tenantId: 't1', userId: 'u1' }), ['a']);
      assert.deepEqual(await keys({ reviewer: true }), ['c', 'd']);
      assert.deepEqual(await keys({ tenantId: 't2', kind: 'personal' }), ['d']);
      assert.deepEqual(await keys({}), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await keys({ tenantId: 't3' }), []);
      await chats.put('d', chat({ tenantId: 't2', reviewer: false }));
      assert.deepEqual(await keys({ reviewer: true }), ['c'], 'the old tag no longer matches');
      const [found] = await chats.find({ userId: 'u2' });
      assert.deepEqual(found?.value, chat({ userId: 'u2', reviewer: true }));
      assert.equal(found?.eTag, (await chats.get('c'))?.eTag);
    });

    it('answers finds asked at once each with its own documents, ordered by key, expired ones left out', async () => {
      const chats = await fourChats();
      await chats.put('e', chat({ tenantId: 't2', userId: 'u9' }), { expiresAt: clock.now().getTime() - 1 });
      const asked: Array<Parameters<typeof chats.find>[0]> = [
        { tenantId: 't1' },
        { tenantId: 't2' },
        { reviewer: true },
        { tenantId: 't3' },
        { tenantId: 't1' },
        {},
      ];
      const answers = await Promise.all(asked.map((tags) => chats.find(tags)));
      assert.deepEqual(
        answers.map((found) => found.map((document) => document.key)),
        [['a', 'c'], ['b', 'd'], ['c', 'd'], [], ['a', 'c'], ['a', 'b', 'c', 'd']],
      );
      assert.deepEqual(answers[1]?.[1]?.value, chat({ tenantId: 't2', reviewer: true }));
      assert.equal(answers[2]?.[0]?.eTag, (await chats.get('c'))?.eTag);
    });

    it('keeps collections apart', async () => {
      const chats = await store.collection(CHATS);
      const others = await store.collection({ ...CHATS, name: 'contract/others' });
      await chats.put('a', chat());
      assert.equal(await others.get('a'), undefined);
      assert.deepEqual(await others.find({ tenantId: 't1' }), []);
    });

    it('refuses to store what the schema rejects, and skips (and reports) a damaged stored document without losing the others', async () => {
      const chats = await store.collection(CHATS);
      await assert.rejects(chats.put('bad', { ...chat(), kind: 'group' } as unknown as Chat));
      await chats.put('a', chat());
      await chats.put('b', chat({ userId: 'u2' }));
      await engine.damage(CHATS.name, 'a');
      const reopened = await (await engine.another()).collection(CHATS);
      assert.equal(await reopened.get('a'), undefined);
      assert.deepEqual(
        (await reopened.find({ tenantId: 't1' })).map((document) => document.key),
        ['b'],
      );
      assert.ok(
        reported.some((line) => line.includes('contract/chats')),
        reported.join('\n'),
      );
      // A damaged document does not block writing a good one in its place.
      await reopened.put('a', chat({ note: 'repaired' }));
      assert.equal((await reopened.get('a'))?.value.note, 'repaired');
    });

    it('refuses a list that keeps entries of the stored one and adds one the schema rejects, naming its place; nothing is stored', async () => {
      const lists = await store.collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      const eTag = await lists.put('list', [chat(), chat({ userId: 'u2' })]);
      const stored = (await lists.get('list'))!.value;
      const bad = { ...chat({ userId: 'u3' }), kind: 'group' } as unknown as Chat;
      await assert.rejects(lists.put('list', [...stored, bad]), (error: Error) => error.message.includes('"path"') && /2[\s\S]*"kind"/.test(error.message));
      assert.deepEqual(await lists.get('list'), { key: 'list', value: stored, eTag });
      await lists.put('list', [stored[1]!, chat({ userId: 'u3' })]);
      assert.deepEqual(
        (await lists.get('list'))?.value.map((entry) => entry.userId),
        ['u2', 'u3'],
      );
    });

    it('appends to a list: created when absent, its last entries kept, a new eTag each time that conditional writes must match', async () => {
      const lists = await store.collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      const users = async () => (await lists.get('list'))?.value.map((entry) => entry.userId);
      const first = await lists.append('list', [chat()], 3);
      assert.deepEqual(await lists.get('list'), { key: 'list', value: [chat()], eTag: first });
      const second = await lists.append('list', [chat({ userId: 'u2' }), chat({ userId: 'u3' })], 3);
      assert.notEqual(second, first);
      const third = await lists.append('list', [chat({ userId: 'u4' })], 3);
      assert.deepEqual(await users(), ['u2', 'u3', 'u4'], 'the oldest went');
      await assert.rejects(lists.put('list', [], { ifMatch: second }), isDocumentConflict, 'an append moves the eTag on');
      await lists.put('list', [chat({ userId: 'u9' })], { ifMatch: third });
      await lists.append('list', [chat({ userId: 'u5' }), chat({ userId: 'u6' }), chat({ userId: 'u7' }), chat({ userId: 'u8' })], 2);
      assert.deepEqual(await users(), ['u7', 'u8'], 'no more than it keeps, even from one append');
      const last = await lists.append('list', [chat({ userId: 'u10' })], 5);
      const other = await (await engine.another()).collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      assert.deepEqual(await other.get('list'), { key: 'list', value: [chat({ userId: 'u7' }), chat({ userId: 'u8' }), chat({ userId: 'u10' })], eTag: last });
    });

    it('appends from many writers at once all land', async () => {
      const lists = await store.collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      await Promise.all(Array.from({ length: 12 }, (_, n) => lists.append('list', [chat({ userId: `u${n}` })], 50)));
      const stored = (await lists.get('list'))!.value.map((entry) => entry.userId);
      assert.deepEqual([...stored].sort(), Array.from({ length: 12 }, (_, n) => `u${n}`).sort());
    });

    it('refuses an append the schema rejects, and appends to collections that are no plain list; nothing is stored', async () => {
      const lists = await store.collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      const eTag = await lists.put('list', [chat()]);
      await assert.rejects(lists.append('list', [{ ...chat(), kind: 'group' } as unknown as Chat], 5));
      await assert.rejects(lists.append('list', [chat()], 0), RangeError);
      assert.deepEqual(await lists.get('list'), { key: 'list', value: [chat()], eTag });
      const bounded = await store.collection<Chat[]>({ name: 'contract/bounded', schema: z.array(ChatSchema).max(3) });
      await assert.rejects(bounded.append('list', [chat()], 3), /takes no appends/);
      const tagged = await store.collection<Chat[]>({ name: 'contract/tagged-lists', schema: z.array(ChatSchema), tags: (list) => ({ size: list.length }) });
      await assert.rejects(tagged.append('list', [chat()], 3), /takes no appends/);
      assert.equal(await bounded.get('list'), undefined);
      assert.equal(await tagged.get('list'), undefined);
    });

    it('an append to an expired list starts it again, with no expiry', async () => {
      const lists = await store.collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      await lists.put('list', [chat()], { expiresAt: clock.now().getTime() + 60_000 });
      await lists.append('list', [chat({ userId: 'u2' })], 5);
      assert.deepEqual(
        (await lists.get('list'))?.value.map((entry) => entry.userId),
        ['u1', 'u2'],
      );
      assert.equal((await lists.get('list'))?.expiresAt, clock.now().getTime() + 60_000, 'an append keeps the expiry');
      clock.advance(60_000);
      await lists.append('list', [chat({ userId: 'u3' })], 5);
      const again = await lists.get('list');
      assert.deepEqual(
        again?.value.map((entry) => entry.userId),
        ['u3'],
      );
      assert.equal(again?.expiresAt, undefined);
      const other = await (await engine.another()).collection<Chat[]>({ name: 'contract/lists', schema: z.array(ChatSchema) });
      assert.deepEqual(await other.get('list'), again);
    });

    it('expires documents by the Clock: absent from then on, creatable again, and deleted by a sweep', async () => {
      const chats = await store.collection(CHATS);
      const now = clock.now().getTime();
      await chats.put('short', chat(), { expiresAt: now + 1000 });
      await chats.put('long', chat({ userId: 'u2' }), { expiresAt: now + 5000 });
      await chats.put('forever', chat({ userId: 'u3' }));
      assert.equal((await chats.get('short'))?.expiresAt, now + 1000);
      assert.equal(await chats.sweepExpired(), 0);

      clock.advance(1000);
      assert.equal(await chats.get('short'), undefined);
      assert.deepEqual(
        (await chats.find({ tenantId: 't1' })).map((document) => document.key),
        ['forever', 'long'],
      );
      assert.equal(await chats.sweepExpired(), 1);
      await chats.put('short', chat({ note: 'again' }), { ifNoneMatch: true });
      assert.equal((await chats.get('short'))?.value.note, 'again');

      clock.advance(10_000);
      await chats.put('long-renewed', chat(), { expiresAt: clock.now().getTime() + 1 });
      assert.equal(await chats.sweepExpired(), 1, 'only "long" had expired');
      const reopened = await (await engine.another()).collection(CHATS);
      assert.deepEqual(
        (await reopened.find({})).map((document) => document.key),
        ['forever', 'long-renewed', 'short'],
      );
    });

    it('an expired document is as good as absent for ifNoneMatch, and no longer matches an ifMatch', async () => {
      const chats = await store.collection(CHATS);
      const eTag = await chats.put('token', chat(), { expiresAt: clock.now().getTime() + 10 });
      await assert.rejects(chats.put('token', chat(), { ifNoneMatch: true }), isDocumentConflict);
      clock.advance(10);
      await assert.rejects(chats.put('token', chat(), { ifMatch: eTag }), isDocumentConflict);
      await chats.put('token', chat({ note: 'second use' }), { ifNoneMatch: true });
      assert.equal((await chats.get('token'))?.value.note, 'second use');
    });

    it('a second handle on the same data sees every write, and the eTags it reads are the same', async () => {
      const chats = await store.collection(CHATS);
      const eTag = await chats.put('a', chat());
      await chats.put('b', chat({ userId: 'u2' }), { expiresAt: clock.now().getTime() + 60_000 });
      await chats.put('c', chat());
      await chats.delete('c');
      const other = await (await engine.another()).collection(CHATS);
      assert.deepEqual(await other.get('a'), { key: 'a', value: chat(), eTag });
      assert.equal((await other.get('b'))?.expiresAt, clock.now().getTime() + 60_000);
      assert.equal(await other.get('c'), undefined);
      await other.put('a', chat({ note: 'from the other handle' }), { ifMatch: eTag });
      await assert.rejects(other.put('a', chat(), { ifMatch: eTag }), isDocumentConflict);
    });
  });
}

documentStoreContract('files');
documentStoreContract('postgres');
