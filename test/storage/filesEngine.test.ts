import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ClaimSchema, type ClaimDocument } from '../../services/model.js';
import { LowdbClaimRepository } from '../../storage/files/lowdbClaimRepository.js';
import {
  FIXTURE_NOW,
  PARTNER_TENANT_A,
  claimId,
  makeAlert,
  makeClaimDocument,
  makeHistoryEntry,
  makeTimer,
  removeAllTempDataDirs,
  tempDataDir,
  type TempDataDir,
} from '../support/claimFixtures.js';
import { liveHeap } from '../support/liveHeap.js';

// What only the files engine has: its files, restarts from them, leftovers and crashes. What
// every engine must do is in claimRepository.contract.test.ts.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRITER_CHILD = fileURLToPath(new URL('../support/storeWriterChild.ts', import.meta.url));

/** A mutation that bumps the version and returns the new one. */
function bump(stored: ClaimDocument): { next: ClaimDocument; result: number } {
  const current = structuredClone(stored);
  current.claim.version += 1;
  return { next: current, result: current.claim.version };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('LowdbClaimRepository (real files)', () => {
  let dir: TempDataDir;
  let repo: LowdbClaimRepository;

  const claimFile = (id: string): string => join(dir.path, 'claims', `${id}.json`);

  async function reopen(): Promise<LowdbClaimRepository> {
    await repo.close();
    repo = new LowdbClaimRepository({ dataDir: dir.path });
    await repo.open();
    return repo;
  }

  beforeEach(async () => {
    dir = await tempDataDir();
    repo = new LowdbClaimRepository({ dataDir: dir.path });
    await repo.open();
  });

  afterEach(async () => {
    await repo.close();
    await dir.remove();
  });

  after(removeAllTempDataDirs);

  describe('insert and get', () => {
    it('writes a document as its own JSON file, claim and outbox together', async () => {
      const document = makeClaimDocument({ id: claimId(1), timers: [makeTimer('2026-03-05T09:00:00.000Z')] });
      document.outbox.push(makeAlert(document.claim));
      await repo.insert(document);
      assert.deepEqual(JSON.parse(await readFile(claimFile(claimId(1)), 'utf8')), document);
    });

    // The cache must hold its own copy of what was written.
    it('does not keep a reference to the inserted object', async () => {
      const document = makeClaimDocument({ id: claimId(1) });
      await repo.insert(document);
      document.claim.partnerName = 'Changed after insert';
      assert.equal((await repo.get(claimId(1)))?.claim.partnerName, 'Contoso Partners Ltd');
    });
  });

  // The cache is bounded by the bytes of its documents' files, not by their count: a claim's
  // document grows with its history, and a count of large documents was hundreds of MB of heap.
  describe('document cache', () => {
    /** Writes `count` claims and returns their ids and the length of one file (all the same size). */
    async function insertClaims(store: LowdbClaimRepository, count: number, first = 1): Promise<{ ids: string[]; fileBytes: number }> {
      const ids: string[] = [];
      for (let n = first; n < first + count; n += 1) {
        await store.insert(makeClaimDocument({ id: claimId(n) }));
        ids.push(claimId(n));
      }
      return { ids, fileBytes: (await stat(claimFile(ids[0]!))).size };
    }

    it('keeps no more bytes of documents than its budget, the least recently used leaving first', async () => {
      const probe = await insertClaims(repo, 1, 99);
      await repo.close();
      repo = new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: probe.fileBytes * 3 + 10 });
      await repo.open();
      const { ids, fileBytes } = await insertClaims(repo, 10);
      assert.equal(fileBytes, probe.fileBytes);
      assert.deepEqual(repo.cacheUse(), { documents: 3, bytes: fileBytes * 3 });
      for (const id of [probe.ids[0]!, ...ids]) await repo.get(id);
      assert.deepEqual(repo.cacheUse(), { documents: 3, bytes: fileBytes * 3 });

      // The last three read are served from memory; the first was read again from its file.
      await repo.get(ids[7]!);
      for (const id of [ids[0]!, ids[7]!]) {
        const text = await readFile(claimFile(id), 'utf8');
        await writeFile(claimFile(id), text.replace('Contoso Partners Ltd', 'Changed on disk'));
      }
      assert.equal((await repo.get(ids[0]!))?.claim.partnerName, 'Changed on disk');
      assert.equal((await repo.get(ids[7]!))?.claim.partnerName, 'Contoso Partners Ltd');
    });

    it('counts a document once however often it is written or read, and forgets a deleted one', async () => {
      const { ids, fileBytes } = await insertClaims(repo, 2);
      for (let round = 0; round < 5; round += 1) {
        await repo.update(ids[0]!, bump);
        await repo.get(ids[1]!);
      }
      const use = repo.cacheUse();
      assert.equal(use.documents, 2);
      // The bumped version has as many digits as the first one: the files are the same size.
      assert.equal(use.bytes, fileBytes * 2);
      await repo.update(ids[0]!, () => ({ next: 'delete', result: undefined }));
      assert.deepEqual(repo.cacheUse(), { documents: 1, bytes: fileBytes });
    });

    // A document that left the cache is read back without the schema only when its file is the
    // text that was checked; a file changed by hand is checked again.
    it('checks a file changed on disk against the schema when it is read back', async () => {
      await repo.close();
      repo = new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: 100 });
      await repo.open();
      await insertClaims(repo, 2);
      const unchanged = await repo.get(claimId(2));
      assert.equal(unchanged?.claim.partnerName, 'Contoso Partners Ltd');
      assert.ok(Object.isFrozen(unchanged?.claim.history), 'a document read without the schema is frozen like any other');

      const text = await readFile(claimFile(claimId(1)), 'utf8');
      await writeFile(claimFile(claimId(1)), text.replace(/"status":"[A-Za-z]+"/, '"status":"Lost"'));
      await assert.rejects(repo.get(claimId(1)), (error: Error) => {
        assert.match(error.message, /CPOR-2026-000001\.json.*status/);
        return true;
      });
      await writeFile(claimFile(claimId(1)), text.replace('Contoso Partners Ltd', 'Changed on disk'));
      assert.equal((await repo.get(claimId(1)))?.claim.partnerName, 'Changed on disk');
    });

    it('trusts a file checked at start, and checks it again once it changes', async () => {
      await insertClaims(repo, 1);
      await repo.close();
      repo = new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: 100 });
      await repo.open();
      assert.equal((await repo.get(claimId(1)))?.claim.id, claimId(1));
      const text = await readFile(claimFile(claimId(1)), 'utf8');
      await writeFile(claimFile(claimId(1)), text.replace(/"status":"[A-Za-z]+"/, '"status":"Lost"'));
      await assert.rejects(repo.get(claimId(1)), /status/);
    });

    it('does not keep a document larger than its whole budget', async () => {
      await repo.close();
      repo = new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: 100 });
      await repo.open();
      await insertClaims(repo, 2);
      await repo.get(claimId(1));
      assert.deepEqual(repo.cacheUse(), { documents: 0, bytes: 0 });
      assert.equal((await repo.get(claimId(1)))?.claim.id, claimId(1));
    });
  });

  describe('allocateId', () => {
    const at = new Date('2026-06-30T12:00:00.000Z');

    it('continues after a restart', async () => {
      await repo.allocateId(at);
      await repo.allocateId(at);
      await reopen();
      assert.equal(await repo.allocateId(at), 'CPOR-2026-000003');
    });

    it('never reuses the id of a deleted claim, even after a restart', async () => {
      const first = await repo.allocateId(at);
      await repo.insert(makeClaimDocument({ id: first }));
      const second = await repo.allocateId(at);
      await repo.insert(makeClaimDocument({ id: second }));
      await repo.update(second, () => ({ next: 'delete', result: undefined }));
      assert.equal(await exists(claimFile(second)), false);

      await reopen();

      assert.equal(second, 'CPOR-2026-000002');
      assert.equal(await repo.allocateId(at), 'CPOR-2026-000003');
    });

    it('stays above the ids on disk when the counter file is lost', async () => {
      await repo.insert(makeClaimDocument({ id: claimId(41) }));
      await repo.close();
      await rm(join(dir.path, 'sequence.json'), { force: true });
      await reopen();
      assert.equal(await repo.allocateId(at), 'CPOR-2026-000042');
    });
  });

  describe('update', () => {
    it('runs updates of different claims independently', async () => {
      const ids = [claimId(1), claimId(2), claimId(3)];
      for (const id of ids) await repo.insert(makeClaimDocument({ id }));
      await Promise.all(ids.flatMap((id) => Array.from({ length: 10 }, () => repo.update(id, bump))));
      await reopen();
      for (const id of ids) assert.equal((await repo.get(id))?.claim.version, 11);
    });

    it('writes nothing when the mutation answers unchanged', async () => {
      const id = claimId(1);
      await repo.insert(makeClaimDocument({ id }));
      const before = await stat(claimFile(id));
      const text = await readFile(claimFile(id), 'utf8');

      const result = await repo.update(id, (current) => {
        // The mutation is handed the stored document itself, read-only: a change in place throws.
        assert.throws(() => {
          current.claim.partnerName = 'Not to be stored';
        }, TypeError);
        return { next: 'unchanged', result: 'looked' };
      });

      assert.equal(result, 'looked');
      const after = await stat(claimFile(id));
      assert.equal(after.ino, before.ino, 'the file was replaced');
      assert.equal(after.mtimeMs, before.mtimeMs);
      assert.equal(await readFile(claimFile(id), 'utf8'), text);
      assert.equal((await repo.get(id))?.claim.partnerName, 'Contoso Partners Ltd');
      assert.deepEqual(await readdir(join(dir.path, 'claims')), [`${id}.json`]);
    });

    it('keeps the entries and fields an update left as they were, and checks and stores the new one', async () => {
      const id = claimId(1);
      await repo.insert(makeClaimDocument({ id, history: [makeHistoryEntry(1), makeHistoryEntry(2)] }));
      const before = (await repo.get(id))!;
      await repo.update(id, (current) => ({
        next: {
          claim: { ...current.claim, version: 2, history: [...current.claim.history, makeHistoryEntry(3, { actorName: 'Ana' })] },
          outbox: current.outbox,
        },
        result: undefined,
      }));
      const after = (await repo.get(id))!;
      assert.equal(after.claim.history[0], before.claim.history[0], 'an entry the update kept is shared, not copied');
      assert.equal(after.claim.history[1], before.claim.history[1]);
      assert.equal(after.claim.details, before.claim.details, 'a field the update did not replace is shared, not copied');
      assert.deepEqual(Object.keys(after.claim), Object.keys(ClaimSchema.parse(after.claim)), 'its fields in the order a read after a restart gives');
      assert.ok(Object.isFrozen(after.claim.history[2]));
      await reopen();
      assert.deepEqual(
        (await repo.get(id))?.claim.history.map((entry) => [entry.seq, entry.actorName]),
        [
          [1, undefined],
          [2, undefined],
          [3, 'Ana'],
        ],
      );
    });

    it('removes the claim file on delete, and the claim stays gone after a restart', async () => {
      await repo.insert(makeClaimDocument({ id: claimId(1) }));
      await repo.insert(makeClaimDocument({ id: claimId(2) }));
      await repo.update(claimId(2), () => ({ next: 'delete', result: undefined }));
      assert.equal(await exists(claimFile(claimId(2))), false);
      await reopen();
      assert.equal(await repo.get(claimId(2)), undefined);
      assert.deepEqual((await repo.pageOf({ partnerTenantId: PARTNER_TENANT_A }, { order: 'newest', limit: 10 })).ids, [claimId(1)]);
    });
  });

  describe('open', () => {
    it('removes leftover temporary files and keeps the documents', async () => {
      const document = makeClaimDocument({ id: claimId(1) });
      await repo.insert(document);
      await repo.close();
      const claimsDir = join(dir.path, 'claims');
      await writeFile(join(claimsDir, `${claimId(1)}.json.4242.7.tmp`), '{"claim": {"id": "half written');
      await writeFile(join(claimsDir, `${claimId(2)}.json.4242.8.tmp`), '');

      await reopen();

      assert.deepEqual(await readdir(claimsDir), [`${claimId(1)}.json`]);
      assert.equal(await repo.count(), 1);
      assert.deepEqual(await repo.get(claimId(1)), document);
    });

    it('holds 3,000 claims opened from their files in under 400 bytes of heap each (880-960 before the index moved out of the heap), documents aside', async () => {
      await repo.close();
      for (let n = 1; n <= 3000; n += 1) {
        const document = makeClaimDocument({ id: claimId(n) });
        document.claim.details.customerTenantId = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
        await writeFile(claimFile(claimId(n)), JSON.stringify(document));
      }
      // Opened once before the count, so the code compiled on the way is not counted as the claims'.
      await new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: 0 }).open();
      const before = liveHeap();
      repo = new LowdbClaimRepository({ dataDir: dir.path, cacheBytes: 0 });
      await repo.open();
      const perClaim = (liveHeap() - before) / 3000;

      assert.ok(perClaim < 400, `${Math.round(perClaim)} bytes of heap a claim`);
      assert.equal(await repo.count(), 3000);
      assert.equal((await repo.get(claimId(3000)))?.claim.details.customerTenantId, '00000000-0000-4000-8000-000000000bb8');
    });

    // A crash during allocateId leaves sequence.json.<pid>.<n>.tmp in DATA_DIR.
    it('removes a leftover temporary file of the id counter', async () => {
      await repo.allocateId(new Date(FIXTURE_NOW));
      await repo.close();
      await writeFile(join(dir.path, 'sequence.json.4242.1.tmp'), '{"2026": 5');
      await reopen();
      assert.deepEqual(await readdir(dir.path), ['claims', 'sequence.json']);
    });

    it('refuses to start when a claim file does not match the schema, naming the file', async () => {
      await repo.insert(makeClaimDocument({ id: claimId(1) }));
      const bad = makeClaimDocument({ id: claimId(9) });
      await writeFile(claimFile(claimId(9)), JSON.stringify({ ...bad, claim: { ...bad.claim, status: 'Lost' } }));

      const fresh = new LowdbClaimRepository({ dataDir: dir.path });
      await assert.rejects(fresh.open(), (error: Error) => {
        assert.match(error.message, /CPOR-2026-000009\.json/);
        assert.match(error.message, /status/);
        return true;
      });
    });

    it('refuses to start when a claim file is not JSON', async () => {
      await writeFile(claimFile(claimId(9)), '{"claim": {"id": "CPOR-2026-0000');
      await assert.rejects(new LowdbClaimRepository({ dataDir: dir.path }).open());
    });

    // An operator must be able to find the broken file among thousands of claim files.
    it('names the file that is not JSON', async () => {
      await writeFile(claimFile(claimId(9)), '{"claim": {"id": "CPOR-2026-0000');
      await assert.rejects(new LowdbClaimRepository({ dataDir: dir.path }).open(), /CPOR-2026-000009\.json/);
    });

    it('ignores files that are not claim documents', async () => {
      await writeFile(join(dir.path, 'claims', 'README.txt'), 'not a claim');
      await writeFile(join(dir.path, 'claims', 'notes.json'), '{}');
      await reopen();
      assert.equal(await repo.count(), 0);
    });
  });

  describe('crash safety', () => {
    const ACKS_BEFORE_KILL = 200;

    interface ChildRun {
      acked: Map<string, number>;
      ackCount: number;
      signal: NodeJS.Signals | null;
      code: number | null;
      stderr: string;
    }

    /** Runs the writer child on `dataDir` and SIGKILLs it once it acknowledged enough writes. */
    function runWriterUntilKilled(dataDir: string, timeoutMs: number): Promise<ChildRun> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WRITER_CHILD, dataDir], {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const run: ChildRun = { acked: new Map(), ackCount: 0, signal: null, code: null, stderr: '' };
        let killed = false;
        const kill = () => {
          if (!killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        };
        const timer = setTimeout(kill, timeoutMs);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          run.stderr += chunk;
        });
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /^ack (\S+) (\d+)$/.exec(line);
          if (!match || killed) return;
          const [, id = '', version = '0'] = match;
          run.ackCount += 1;
          run.acked.set(id, Math.max(run.acked.get(id) ?? 0, Number(version)));
          if (run.ackCount >= ACKS_BEFORE_KILL) kill();
        });
        child.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          run.code = code;
          run.signal = signal;
          resolve(run);
        });
      });
    }

    it('keeps every acknowledged write when the writer is killed mid-stream', async function () {
      this.timeout(40_000);
      const run = await runWriterUntilKilled(dir.path, 30_000);

      assert.equal(run.signal, 'SIGKILL', `the writer ended by itself (code ${run.code}): ${run.stderr}`);
      assert.ok(run.ackCount >= ACKS_BEFORE_KILL, `only ${run.ackCount} acks before the timeout: ${run.stderr}`);

      const store = new LowdbClaimRepository({ dataDir: dir.path });
      await store.open();
      try {
        assert.deepEqual(
          (await readdir(join(dir.path, 'claims'))).filter((name) => name.endsWith('.tmp')),
          [],
          'temporary files left after open',
        );
        assert.ok((await store.count()) >= run.acked.size);
        for (const [id, version] of run.acked) {
          const stored = await store.get(id);
          assert.ok(stored, `acknowledged claim ${id} is missing`);
          assert.ok(stored.claim.version >= version, `${id} is at version ${stored.claim.version}, acknowledged ${version}`);
          assert.equal(stored.claim.history.length, stored.claim.version - 1);
          assert.equal(stored.outbox.length, stored.claim.version - 1);
        }
        // No id handed out before the crash comes back.
        const highest = Math.max(...[...run.acked.keys()].map((id) => Number(id.split('-')[2])));
        const next = await store.allocateId(new Date(FIXTURE_NOW));
        assert.ok(Number(next.split('-')[2]) > highest, `${next} reuses an acknowledged id`);
      } finally {
        await store.close();
      }
    });
  });
});
