import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import type { CollectionDefinition } from '../../services/store/documentStore.js';
import { fileNameOf, folderOf, JOURNAL_FILE } from '../../storage/files/collectionFolder.js';
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

  /** A document as the engine wrote it before the journal: a file of its own. */
  const ownFile = (definition: { name: string }, key: string, text: string) =>
    writeFile(join(folderOf(dir.path, definition.name), fileNameOf(key)), JSON.stringify({ envelope: 1, key, eTag: `e-${key}`, value: { text } }));
  const journalOf = (definition: { name: string }) => join(folderOf(dir.path, definition.name), JOURNAL_FILE);
  const folderFiles = async (definition: { name: string }) => (await readdir(folderOf(dir.path, definition.name))).sort();

  it('reads a document written before the journal from its own file; one removed or damaged by hand reads as absent, and says so', async () => {
    await mkdir(folderOf(dir.path, BY_KEY.name), { recursive: true });
    for (const key of ['note', 'other', 'kept']) await ownFile(BY_KEY, key, key);
    const notes = await open().collection(BY_KEY);
    await rm(join(folderOf(dir.path, BY_KEY.name), fileNameOf('note')));
    assert.equal(await notes.get('note'), undefined);
    assert.match(reported.join('\n'), /notes\/by-key\/[0-9a-f]{40}\.json is unreadable/);
    // A damaged file reads the same way; the collection goes on.
    await writeFile(join(folderOf(dir.path, BY_KEY.name), fileNameOf('other')), '{"envelope": 1');
    assert.equal(await notes.get('other'), undefined);
    assert.deepEqual(await notes.get('kept'), { key: 'kept', value: { text: 'kept' }, eTag: 'e-kept' });
  });

  it('moves a document written before the journal into it when written again, and deletes one in its own file', async () => {
    await mkdir(folderOf(dir.path, BY_KEY.name), { recursive: true });
    for (const key of ['kept', 'rewritten', 'deleted']) await ownFile(BY_KEY, key, key);
    const notes = await open().collection(BY_KEY);
    await notes.put('rewritten', { text: 'again' }, { ifMatch: 'e-rewritten' });
    assert.equal(await notes.delete('deleted', { ifMatch: 'e-deleted' }), true);
    assert.deepEqual(await folderFiles(BY_KEY), [JOURNAL_FILE, fileNameOf('kept')].sort());
    const reopened = await open().collection(BY_KEY);
    assert.deepEqual(
      (await reopened.find({})).map((document) => [document.key, document.value.text]),
      [
        ['kept', 'kept'],
        ['rewritten', 'again'],
      ],
    );
  });

  it('takes the journal over a file it names (a crash came between the two), and removes the file', async () => {
    await mkdir(folderOf(dir.path, BY_KEY.name), { recursive: true });
    for (const key of ['note', 'gone']) await ownFile(BY_KEY, key, 'from its file');
    const lines = [
      { envelope: 1, key: 'note', eTag: 'e2', value: { text: 'from the journal' } },
      { envelope: 1, key: 'gone', deleted: true },
    ];
    await writeFile(journalOf(BY_KEY), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const notes = await open().collection(BY_KEY);
    assert.deepEqual(await notes.get('note'), { key: 'note', value: { text: 'from the journal' }, eTag: 'e2' });
    assert.equal(await notes.get('gone'), undefined);
    assert.deepEqual(await folderFiles(BY_KEY), [JOURNAL_FILE]);
  });

  it('leaves out an append a crash cut short, says so, and appends after the lines before it', async () => {
    const notes = await open().collection(BY_KEY);
    await notes.put('a', { text: 'one' });
    await notes.put('b', { text: 'two' });
    await appendFile(journalOf(BY_KEY), '{"envelope":1,"key":"c","eTag":"e","val');
    const reopened = await open().collection(BY_KEY);
    assert.equal(await reopened.get('c'), undefined);
    assert.match(reported.join('\n'), /journal\.jsonl: its last 39 bytes are an append cut short/);
    await reopened.put('c', { text: 'three' });
    const again = await open().collection(BY_KEY);
    assert.deepEqual(
      (await again.find({})).map((document) => document.value.text),
      ['one', 'two', 'three'],
    );
  });

  it('an append whose failure left part of it behind does not swallow the next line', async () => {
    const notes = await open().collection(BY_KEY);
    await notes.put('a', { text: 'one' });
    // What a failed append leaves when cutting it off fails too.
    await appendFile(journalOf(BY_KEY), '{"envelope":1,"key":"lost","eTag":"e","val');
    await notes.put('b', { text: 'two' });
    assert.deepEqual((await notes.get('b'))?.value, { text: 'two' });
    const reopened = await open().collection(BY_KEY);
    assert.deepEqual(
      (await reopened.find({})).map((document) => document.value.text),
      ['one', 'two'],
    );
    assert.match(reported.join('\n'), /journal\.jsonl: the line at byte \d+ is unreadable; skipped/);
  });

  it('rewrites a mostly superseded journal with its live lines alone, while reads and writes go on', async function () {
    this.timeout(60_000);
    const notes = await new FileDocumentStore({ dataDir: dir.path, clock, log: (message) => reported.push(message), journalRewriteBytes: 4096 }).collection(
      BY_KEY,
    );
    const keys = Array.from({ length: 12 }, (_, n) => `note-${n}`);
    // More than the values kept in memory together: some reads are from the journal.
    const text = (key: string, round: number) => `${key} round ${round} ${'x'.repeat(250_000)}`;
    const written = new Map<string, string>();
    const read: Array<{ eTag: string; value: Note }> = [];
    const rounds = 8;
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all(
        keys.flatMap((key) => [
          notes.put(key, { text: text(key, round) }).then((eTag) => written.set(eTag, text(key, round))),
          notes.get(key).then((document) => document && read.push(document)),
        ]),
      );
    }
    await notes.delete('note-0');
    // Read in turn, each evicts the next from memory: most of these are read from the journal.
    for (const key of keys.slice(1)) read.push((await notes.get(key))!);
    // Each read was one version whole, the one its eTag names, whether the journal moved or not.
    assert.ok(read.length > 80);
    for (const document of read) assert.equal(document.value.text, written.get(document.eTag));
    const size = (await stat(journalOf(BY_KEY))).size;
    const live = 12 * 250_100;
    assert.ok(size < 3 * live, `the journal holds ${size} bytes; its live lines ${live}; without rewrites ${rounds * live}`);
    assert.deepEqual(reported, []);
    const found = await (await open().collection(BY_KEY)).find({});
    assert.deepEqual(
      found.map((document) => document.value.text),
      keys
        .slice(1)
        .sort()
        .map((key) => text(key, rounds - 1)),
    );
    for (const document of found) assert.equal(written.get(document.eTag), document.value.text);
  });

  it('rewrites a line longer than the buffer the journal is copied through', async () => {
    const notes = await new FileDocumentStore({ dataDir: dir.path, clock, log: (message) => reported.push(message), journalRewriteBytes: 1024 }).collection(
      BY_KEY,
    );
    const long = (letter: string) => ({ text: letter.repeat(1_500_000) });
    await notes.put('short', { text: 'before' });
    await notes.put('long', long('x'));
    await notes.put('long', long('y'));
    // Half of the journal is superseded now: this write rewrites it.
    await notes.put('short', { text: 'after' });
    assert.ok((await stat(journalOf(BY_KEY))).size < 1_600_000, 'the journal was rewritten');
    const reopened = await open().collection(BY_KEY);
    assert.deepEqual((await reopened.get('long'))?.value, long('y'));
    assert.deepEqual((await reopened.get('short'))?.value, { text: 'after' });
    assert.deepEqual(reported, []);
  });

  it('a list appended to is a line per append, read from those lines after a restart, dropped ones no longer read', async () => {
    const lists = await open().collection(LISTS);
    await lists.put('list', [{ text: 'base-1' }, { text: 'base-2' }]);
    let eTag = '';
    for (let n = 1; n <= 6; n += 1) eTag = await lists.append('list', [{ text: `added-${n}` }], 4);
    await lists.append('other', [{ text: 'other list' }], 4);
    const lines = (await readFile(journalOf(LISTS), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 8, 'the put, then one short line per append');
    assert.ok(
      lines.slice(1).every((line) => line.length < 150),
      'an append holds its entries, not the list',
    );
    const expected = ['added-3', 'added-4', 'added-5', 'added-6'].map((text) => ({ text }));
    assert.deepEqual(await lists.get('list'), { key: 'list', value: expected, eTag });
    const reopened = await open().collection(LISTS);
    assert.deepEqual(await reopened.get('list'), { key: 'list', value: expected, eTag });
    assert.deepEqual((await reopened.get('other'))?.value, [{ text: 'other list' }]);
    // Appended after a restart, to a list read from its lines.
    await reopened.append('list', [{ text: 'added-7' }], 4);
    assert.deepEqual(
      (await (await open().collection(LISTS)).get('list'))?.value.map((note) => note.text),
      ['added-4', 'added-5', 'added-6', 'added-7'],
    );
    assert.deepEqual(reported, []);
  });

  it('rewrites a journal of appended lists with only the lines the lists still read', async () => {
    const lists = await new FileDocumentStore({ dataDir: dir.path, clock, log: (message) => reported.push(message), journalRewriteBytes: 2048 }).collection(
      LISTS,
    );
    const keys = ['a', 'b', 'c'];
    for (let n = 0; n < 60; n += 1) await Promise.all(keys.map((key) => lists.append(key, [{ text: `${key}-${n}-${'x'.repeat(40)}` }], 3)));
    const size = (await stat(journalOf(LISTS))).size;
    assert.ok(size < 3000, `the journal holds ${size} bytes, for 9 lines of about 90 bytes read (60 appends per list)`);
    const reopened = await open().collection(LISTS);
    for (const key of keys) {
      assert.deepEqual(
        (await reopened.get(key))?.value.map((note) => note.text.split('-x')[0]),
        [`${key}-57`, `${key}-58`, `${key}-59`],
      );
    }
    assert.deepEqual(reported, []);
  });

  it('an append to a list in a file of its own writes it whole into the journal, and the file goes', async () => {
    await mkdir(folderOf(dir.path, LISTS.name), { recursive: true });
    await writeFile(
      join(folderOf(dir.path, LISTS.name), fileNameOf('list')),
      JSON.stringify({ envelope: 1, key: 'list', eTag: 'e-list', value: [{ text: 'from its file' }] }),
    );
    const lists = await open().collection(LISTS);
    await lists.append('list', [{ text: 'appended' }], 5);
    assert.deepEqual(await folderFiles(LISTS), [JOURNAL_FILE]);
    assert.deepEqual((await (await open().collection(LISTS)).get('list'))?.value, [{ text: 'from its file' }, { text: 'appended' }]);
  });

  it('an append a crash cut short is left out: the list is what it was', async () => {
    const lists = await open().collection(LISTS);
    const eTag = await lists.append('list', [{ text: 'one' }], 5);
    await appendFile(journalOf(LISTS), '{"envelope":1,"key":"list","eTag":"e","append":[{"te');
    const reopened = await open().collection(LISTS);
    assert.deepEqual(await reopened.get('list'), { key: 'list', value: [{ text: 'one' }], eTag });
    await reopened.append('list', [{ text: 'two' }], 5);
    assert.deepEqual((await (await open().collection(LISTS)).get('list'))?.value, [{ text: 'one' }, { text: 'two' }]);
  });

  it('a write the journal could not take changes nothing, and the next one goes through', async () => {
    const notes = await open().collection(TAGGED);
    const first = await notes.put('note', { text: 'one' });
    await rename(journalOf(TAGGED), `${journalOf(TAGGED)}.aside`);
    await mkdir(journalOf(TAGGED));
    await assert.rejects(notes.put('note', { text: 'two' }, { ifMatch: first }), { code: 'EISDIR' });
    assert.deepEqual(await notes.get('note'), { key: 'note', value: { text: 'one' }, eTag: first });
    await rm(journalOf(TAGGED), { recursive: true });
    await rename(`${journalOf(TAGGED)}.aside`, journalOf(TAGGED));
    const second = await notes.put('note', { text: 'two' }, { ifMatch: first });
    assert.deepEqual(await (await open().collection(TAGGED)).get('note'), { key: 'note', value: { text: 'two' }, eTag: second });
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
