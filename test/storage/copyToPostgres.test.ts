import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { systemClock } from '../../services/clock.js';
import { checksumOf, copyFilesToPostgres } from '../../storage/copyFilesToPostgres.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';
import { LowdbClaimRepository } from '../../storage/files/lowdbClaimRepository.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { STATUSES } from '../../services/model.js';
import { claimId, makeClaimDocument, tempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { bizAppsDetails, claimAt, createHarness, m365Details, type Harness } from '../support/serviceHarness.js';
import { cardIn, PARTNER, PARTNER_ES, REVIEWER, startE2E, type E2E } from '../e2e/support/e2eApp.js';
import { PDF, walkCreateClaim } from '../e2e/support/journey.js';

// scripts/copyToPostgres.ts on a DATA_DIR the product wrote through its claim service: the copy
// is complete and verified, a second run changes nothing, a database used since is refused, and
// the bot started on the database shows the same claims and continues their ids.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('scripts/copyToPostgres.ts', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let harness: Harness;

  before(async function () {
    cluster = await clusterOrSkip(this, 'the DATA_DIR to PostgreSQL copy');
    harness = await createHarness();
    await claimAt(harness, 'Draft');
    await claimAt(harness, 'Submitted', m365Details({ workloads: ['Exchange'] }));
    await claimAt(harness, 'PartnerActionRequired', m365Details({ workloads: ['Intune'] }));
    await claimAt(harness, 'Approved', bizAppsDetails());
    await claimAt(harness, 'Rejected', m365Details({ workloads: ['Viva'] }));
    await harness.repository.close();
  });

  after(async () => {
    await harness?.cleanup();
  });

  const copy = (databaseUrl: string) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/copyToPostgres.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: harness.dataDir, DATABASE_URL: databaseUrl },
    });

  it('copies every claim verified, then nothing more, and the bot on the database shows the same claims', async () => {
    const url = await cluster.createDatabase('cpor_copy');
    const first = await copy(url);
    assert.match(first.stdout, /copied 5 claim\(s\), 0 already there; 5 verified/);
    const second = await copy(url);
    assert.match(second.stdout, /copied 0 claim\(s\), 5 already there; 5 verified/);

    const files = new LowdbClaimRepository({ dataDir: harness.dataDir });
    await files.open();
    const pool = createPool({ connectionString: url });
    try {
      const database = new PostgresClaimRepository({ pool, clock: harness.clock });
      const ids = (await files.idsInStatuses(STATUSES)).sort();
      assert.deepEqual((await database.idsInStatuses(STATUSES)).sort(), ids);
      for (const id of ids) assert.equal(checksumOf((await database.get(id))!), checksumOf((await files.get(id))!));
      assert.deepEqual(await database.idsWithPendingAlerts(), await files.idsWithPendingAlerts());
      assert.deepEqual(await database.nextDue(), await files.nextDue());
      const [, year, last] = ids.at(-1)!.split('-');
      assert.equal(await database.allocateId(harness.clock.now()), `CPOR-${year}-${String(Number(last) + 1).padStart(6, '0')}`);
      // Ready as after a bulk load: vacuumed and analysed by the copy, not left to autovacuum.
      const { rows } = await pool.query<{ relname: string; vacuumed: boolean; analysed: boolean }>(
        `SELECT relname, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed
           FROM pg_stat_user_tables WHERE relname IN ('claims', 'claim_alerts') ORDER BY relname`,
      );
      assert.deepEqual(rows, [
        { relname: 'claim_alerts', vacuumed: true, analysed: true },
        { relname: 'claims', vacuumed: true, analysed: true },
      ]);
    } finally {
      await files.close();
      await pool.end();
    }

    const e2e = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
    try {
      const shown = JSON.stringify(await e2e.say(PARTNER, 'my claims'));
      const files2 = new LowdbClaimRepository({ dataDir: harness.dataDir });
      await files2.open();
      for (const id of await files2.idsInStatuses(STATUSES)) assert.ok(shown.includes(id), `${id} is listed`);
      await files2.close();
    } finally {
      await e2e.close();
    }
  });

  it('refuses a database that has been used since, and one holding other claims', async () => {
    const url = await cluster.createDatabase('cpor_copy_used');
    await copy(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`UPDATE claims SET claim = jsonb_set(claim, '{partnerName}', '"Changed in the database"') WHERE id = (SELECT min(id) FROM claims)`);
      await assert.rejects(copy(url), (error: { code?: number; stderr?: string }) => error.code === 1 && /differs/.test(error.stderr ?? ''));
      await client.query('DELETE FROM claims');
      const pool = createPool({ connectionString: url });
      await new PostgresClaimRepository({ pool, clock: harness.clock }).insert(makeClaimDocument({ id: claimId(1, 1999) }));
      await pool.end();
      await assert.rejects(copy(url), (error: { stderr?: string }) => /not empty/.test(error.stderr ?? ''));
    } finally {
      await client.end();
    }
  });

  it('copies more claims and files than it moves at once, never queueing for a connection, and stops at a changed claim however late it comes', async () => {
    const dataDir = await tempDataDir('cpor-copy-many-');
    const claims = 75;
    const lost = 'poe/file-000041.pdf';
    const files = new LowdbClaimRepository({ dataDir: dataDir.path });
    await files.open();
    const blobs = new FileBlobStore(dataDir.path);
    for (let sequence = 1; sequence <= claims; sequence += 1) {
      const bytes = Buffer.from(`%PDF-1.4 signed acknowledgement ${sequence}`);
      const storagePath = `poe/file-${String(sequence).padStart(6, '0')}.pdf`;
      const poe = [
        {
          id: `file-${sequence}`,
          name: 'acknowledgement.pdf',
          contentType: 'application/pdf',
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          storagePath,
          uploadedBy: 'user-partner-1',
          uploadedAt: '2026-03-02T09:00:00.000Z',
        },
      ];
      if (storagePath !== lost) await blobs.create(storagePath, bytes);
      await files.insert(makeClaimDocument({ id: claimId(sequence, 2025), poe }));
    }
    await files.close();
    const url = await cluster.createDatabase('cpor_copy_many');
    const pool = createPool({ connectionString: url, poolSize: 3 });
    // Connections asked for and not yet given back: beyond the pool's size, a checkout waits in
    // its queue, where the pool's connect timeout fails the copy on a slow database.
    let outstanding = 0;
    let mostOutstanding = 0;
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    // pool.query checks out through connect(callback): the arguments go through as they came.
    pool.connect = ((...args: unknown[]) => {
      mostOutstanding = Math.max(mostOutstanding, (outstanding += 1));
      return connect(...args);
    }) as typeof pool.connect;
    pool.on('release', () => (outstanding -= 1));
    try {
      const report = await copyFilesToPostgres({ dataDir: dataDir.path, pool, clock: systemClock });
      assert.ok(mostOutstanding <= 3, `${mostOutstanding} connections asked for at once, the pool has 3`);
      assert.deepEqual(
        { claims: report.claims, copied: report.copied, blobs: report.blobs, missingBlobs: report.missingBlobs },
        { claims, copied: claims, blobs: claims - 1, missingBlobs: [lost] },
      );
      const { rows } = await pool.query<{ count: string }>(`SELECT count(*) AS count FROM blobs WHERE name LIKE 'poe/%'`);
      assert.equal(Number(rows[0]!.count), claims - 1);

      const changed = claimId(70, 2025);
      await pool.query(`UPDATE claims SET claim = jsonb_set(claim, '{partnerName}', '"Changed in the database"') WHERE id = $1`, [changed]);
      await assert.rejects(copyFilesToPostgres({ dataDir: dataDir.path, pool, clock: systemClock }), new RegExp(`${changed} differs`));
    } finally {
      await pool.end();
      await dataDir.remove();
    }
  });

  it('moves a DATA_DIR the running bot wrote: its PoE opens, its links verify and a dialog in flight continues', async () => {
    const embedded = await startE2E();
    let moved: E2E | undefined;
    try {
      const { claimId } = await walkCreateClaim(embedded, PARTNER, 'submitted');
      const linkOnCard = async (instance: E2E) => {
        const [reply] = await instance.say(REVIEWER, `claim ${claimId}`);
        const link = /\]\((https?:\/\/[^)\s"]+\/poe\/[^)\s"]+)\)/.exec(JSON.stringify(cardIn(reply)))?.[1];
        assert.ok(link, 'the claim card links the file');
        return new URL(link).pathname;
      };
      const signedBeforeTheMove = await linkOnCard(embedded);
      // A Spanish partner half-way through a new claim when the bot is stopped.
      assert.match(JSON.stringify(await embedded.say(PARTNER_ES, 'nueva notificación')), /programa/i);
      await embedded.app.stop();

      const url = await cluster.createDatabase('cpor_copy_product');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/copyToPostgres.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATA_DIR: embedded.dataDir, DATABASE_URL: url },
      });
      assert.match(stdout, /copied 1 claim\(s\), 0 already there; 1 verified/);
      assert.match(stdout, /2 file\(s\) \(PoE, link secret\) and \d+ bot state entries copied and verified; roster: copied/);

      moved = await startE2E({ env: { STORE: 'postgres', DATABASE_URL: url } });
      assert.match(JSON.stringify(await moved.say(PARTNER, 'my claims')), new RegExp(claimId));
      for (const path of [signedBeforeTheMove, await linkOnCard(moved)]) {
        const response = await fetch(`${moved.app.url}${path}`);
        assert.equal(response.status, 200, 'a link signed before the move opens the file after it');
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), PDF);
      }
      const next = JSON.stringify(await moved.say(PARTNER_ES, { value: { choice: 'OSU-M365', form: 'create-claim', step: 'program', action: 'choose' } }));
      assert.match(next, /PartnerID/, 'the dialog started before the move asks its next question');
    } finally {
      await moved?.close();
      await embedded.close();
    }
  });
});
