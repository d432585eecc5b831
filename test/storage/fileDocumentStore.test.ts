import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import type { CollectionDefinition } from '../../services/store/documentStore.js';
import { fileNameOf, folderOf } from '../../storage/files/collectionFolder.js';
import { FileDocumentStore } from '../../storage/files/fileDocumentStore.js';
import { removeAllTempDataDirs, tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { ManualClock } from '../support/serviceHarness.js';

// What only the files engine does with documents: a collection without tags (card copies, the
// delivery journal: read by key, one more document with every card and alert sent) keeps its
// values in their files, not in memory; a collection with tags keeps them for `find`. What
// every engine must do is in documentStore.contract.test.ts.

const NoteSchema = z.object({ text: z.string() });
type Note = z.infer<typeof NoteSchema>;
const BY_KEY: CollectionDefinition<Note> = { name: 'notes/by-key', schema: NoteSchema };
const LISTS: CollectionDefinition<Note[]> = { name: 'notes/lists', schema: z.array(NoteSchema) };
const TAGGED: CollectionDefinition<Note> = { name: 'notes/tagged', schema: NoteSchema, tags: (note) => ({ first: note.text.slice(0, 1) }) };

/** A full collection now (the test process may not have been started with --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap growth, in bytes, while `work` runs and keeps what it keeps. */
async function heapGrowth(work: () => Promise<unknown>): Promise<{ growth: number; kept: unknown }> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept = await work();
  collectGarbage();
  return { growth: process.memoryUsage().heapUsed - before, kept };
}

describe('FileDocumentStore (real files)', () => {
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  let dir: TempDataDir;
  let reported: string[];
  const open = () => new FileDocumentStore({ dataDir: dir.path, clock, log: (message) => reported.push(message) });

  beforeEach(async () => {
    reported = [];
    dir = await tempDataDir('cpor-documents-');
  });

  afterEach(async () => {
    await dir.remove();
  });

  after(removeAllTempDataDirs);

  const DOCUMENTS = 300;
  /** 16 kB each, different in each document, so nothing is shared between them. */
  const bulky = (n: number) => ({ text: `${String(n).padStart(6, '0')}${'x'.repeat(16 * 1024)}` });

  it('keeps only the values of a collection without tags read or written lately, and reads the others from their files', async function () {
    this.timeout(60_000);
    const { growth, kept } = await heapGrowth(async () => {
      const notes = await open().collection(BY_KEY);
      for (let n = 0; n < DOCUMENTS; n += 1) await notes.put(`note-${n}`, bulky(n));
      return notes;
    });
    // 300 values of 16 kB are 4.8 MB; what stays is the index (keys and eTags) and 2 MiB of the latest values.
    assert.ok(growth < 3 * 1024 * 1024, `the collection kept ${(growth / 1024 / 1024).toFixed(1)} MB`);
    const notes = kept as Awaited<ReturnType<FileDocumentStore['collection']>>;
    assert.deepEqual((await notes.get('note-7'))?.value, bulky(7));
    assert.equal((await notes.find({})).length, DOCUMENTS);
  });

  it('keeps the values of a collection with tags in memory, for find', async function () {
    this.timeout(60_000);
    const { growth, kept } = await heapGrowth(async () => {
      const notes = await open().collection(TAGGED);
      for (let n = 0; n < DOCUMENTS; n += 1) await notes.put(`note-${n}`, bulky(n));
      return notes;
    });
    // The measure above would see the values: this is the same collection with tags.
    assert.ok(growth > 4 * 1024 * 1024, `the collection kept only ${(growth / 1024 / 1024).toFixed(1)} MB`);
    assert.ok(kept);
  });

  it('answers a read by key with the version the index names, across writes and a restart', async () => {
    const notes = await open().collection(BY_KEY);
    const first = await notes.put('note', { text: 'one' });
    assert.deepEqual(await notes.get('note'), { key: 'note', value: { text: 'one' }, eTag: first });
    const second = await notes.put('note', { text: 'two' }, { ifMatch: first, expiresAt: clock.now().getTime() + 60_000 });
    // Reads while a write is under way get one version or the other, each with its own eTag.
    const [during, written] = await Promise.all([notes.get('note'), notes.put('note', { text: 'three' }, { ifMatch: second })]);
    assert.ok((during?.eTag === second && during.value.text === 'two') || (during?.eTag === written && during.value.text === 'three'), JSON.stringify(during));
    const reopened = await open().collection(BY_KEY);
    assert.deepEqual(await reopened.get('note'), { key: 'note', value: { text: 'three' }, eTag: written });
  });

  it('reads a document whose file was removed by hand as absent, and says so', async () => {
    const notes = await open().collection(BY_KEY);
    await notes.put('note', { text: 'one' });
    await notes.put('other', { text: 'two' });
    // Enough later values that those two are no longer kept in memory, and are read from their files.
    for (let n = 0; n < 140; n += 1) await notes.put(`filler-${n}`, bulky(n));
    await rm(join(folderOf(dir.path, BY_KEY.name), fileNameOf('note')));
    assert.equal(await notes.get('note'), undefined);
    assert.match(reported.join('\n'), /notes\/by-key\/[0-9a-f]{40}\.json is unreadable/);
    // A damaged file reads the same way; the collection goes on.
    await writeFile(join(folderOf(dir.path, BY_KEY.name), fileNameOf('other')), '{"envelope": 1');
    assert.equal(await notes.get('other'), undefined);
  });

  it('a list that keeps entries of the stored one stores those same entries, and the new ones as checked', async () => {
    for (const definition of [LISTS, { ...LISTS, name: 'notes/tagged-lists', tags: (notes: Note[]) => ({ count: notes.length }) }]) {
      const lists = await open().collection(definition);
      await lists.put('list', [{ text: 'one' }, { text: 'two' }]);
      const stored = (await lists.get('list'))!.value;
      // The card copies' way: the list read, one entry dropped, one added.
      await lists.put('list', [stored[1]!, { text: 'three', extra: 'dropped by the schema' } as Note]);
      const [kept, added] = (await lists.get('list'))!.value;
      assert.equal(kept, stored[1], `${definition.name}: the entry it kept is the stored one`);
      assert.deepEqual(added, { text: 'three' }, `${definition.name}: the added entry as the schema gives it back`);
      assert.deepEqual((await (await open().collection(definition)).get('list'))?.value, [{ text: 'two' }, { text: 'three' }]);
    }
  });
});
