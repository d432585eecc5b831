import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { systemClock } from '../../services/clock.js';
import type { BlobStore } from '../../services/store/blobStore.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresBlobStore } from '../../storage/postgres/postgresBlobStore.js';
import { tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip } from '../support/postgresCluster.js';

// Blobs by name (PoE files, mails, the link secret), one contract for both engines. "Another
// handle" is a restart for files and a second instance (its own pool) for PostgreSQL.

function blobStoreContract(engineName: 'files' | 'postgres'): void {
  describe(`blob store contract: ${engineName} engine`, function () {
    let dir: TempDataDir | undefined;
    let pools: pg.Pool[] = [];
    let url: string | undefined;
    let open: () => BlobStore;
    let blobs: BlobStore;

    before(async function () {
      this.timeout(120_000);
      if (engineName === 'files') return;
      const cluster = await clusterOrSkip(this, 'the blob store contract on the postgres engine');
      url = await cluster.createDatabase('cpor_blobs');
      const pool = createPool({ connectionString: url });
      await migrate(pool, systemClock);
      await pool.end();
    });

    beforeEach(async () => {
      if (engineName === 'files') {
        dir = await tempDataDir('cpor-blobs-');
        open = () => new FileBlobStore(dir!.path);
      } else {
        open = () => {
          const pool = createPool({ connectionString: url! });
          pools.push(pool);
          return new PostgresBlobStore(pool);
        };
        const first = open();
        await pools[0]!.query('TRUNCATE blobs');
        blobs = first;
        return;
      }
      blobs = open();
    });

    afterEach(async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      pools = [];
      await dir?.remove();
      dir = undefined;
    });

    it('gives back the exact bytes, and another handle sees them', async () => {
      const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0a, 0x80]);
      assert.equal(await blobs.create('poe/CPOR-2026-000001/a1-contract.pdf', bytes), true);
      assert.deepEqual(await blobs.get('poe/CPOR-2026-000001/a1-contract.pdf'), bytes);
      assert.deepEqual(await open().get('poe/CPOR-2026-000001/a1-contract.pdf'), bytes);
      assert.equal(await blobs.get('poe/CPOR-2026-000001/other.pdf'), undefined);
    });

    it('create refuses a name taken, keeping the first bytes; put replaces them', async () => {
      assert.equal(await blobs.create('consent/secret', Buffer.from('first')), true);
      assert.equal(await open().create('consent/secret', Buffer.from('second')), false);
      assert.equal((await blobs.get('consent/secret'))?.toString(), 'first');
      await blobs.put('consent/secret', Buffer.from('third'));
      assert.equal((await open().get('consent/secret'))?.toString(), 'third');
    });

    it('of many handles creating one name at once, exactly one wins and all read its bytes', async () => {
      const handles = Array.from({ length: 6 }, () => open());
      const outcomes = await Promise.all(handles.map((handle, index) => handle.create('consent/secret', Buffer.from(`secret-${index}`))));
      assert.equal(outcomes.filter(Boolean).length, 1);
      const winner = `secret-${outcomes.indexOf(true)}`;
      for (const handle of handles) assert.equal((await handle.get('consent/secret'))?.toString(), winner);
    });

    it('remove forgets a name, and removing a missing one is no error', async () => {
      await blobs.put('outbox-mail/m1.eml', Buffer.from('mail'));
      await blobs.remove('outbox-mail/m1.eml');
      assert.equal(await open().get('outbox-mail/m1.eml'), undefined);
      await blobs.remove('outbox-mail/m1.eml');
    });

    it('refuses names that could leave the store', async () => {
      for (const name of ['../roster.jsonl', 'poe/../../etc/passwd', '/etc/passwd', 'poe//x', '.hidden', 'poe/a b.pdf', '']) {
        await assert.rejects(blobs.put(name, Buffer.from('x')), /not a valid blob name/, name);
        await assert.rejects(blobs.get(name), /not a valid blob name/, name);
      }
    });

    if (engineName === 'files') {
      it('keeps files where earlier versions did, private, with no temporary file left', async () => {
        await blobs.create('poe/CPOR-2026-000002/b2-photo.png', Buffer.from('png'));
        const path = join(dir!.path, 'poe', 'CPOR-2026-000002', 'b2-photo.png');
        assert.equal(await readFile(path, 'utf8'), 'png');
        assert.equal((await stat(path)).mode & 0o777, 0o600);
        await blobs.create('poe/CPOR-2026-000002/b2-photo.png', Buffer.from('again'));
        assert.deepEqual(await readdir(join(dir!.path, 'poe', 'CPOR-2026-000002')), ['b2-photo.png']);
      });

      it('makes a folder again when it was removed after a blob was written into it', async () => {
        await blobs.put('outbox-mail/m1.eml', Buffer.from('first'));
        await rm(join(dir!.path, 'outbox-mail'), { recursive: true });
        await blobs.put('outbox-mail/m2.eml', Buffer.from('second'));
        assert.equal(await readFile(join(dir!.path, 'outbox-mail', 'm2.eml'), 'utf8'), 'second');
        await rm(join(dir!.path, 'outbox-mail'), { recursive: true });
        assert.equal(await blobs.create('outbox-mail/m3.eml', Buffer.from('third')), true);
        assert.deepEqual(await readdir(join(dir!.path, 'outbox-mail')), ['m3.eml']);
      });
    }
  });
}

blobStoreContract('files');
blobStoreContract('postgres');
