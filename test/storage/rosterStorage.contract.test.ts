import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { systemClock } from '../../services/clock.js';
import { RosterDirectory } from '../../services/directory/rosterDirectory.js';
import { addOrganisation, operatorGrant, operatorRevoke, RosterOperatorError } from '../../services/directory/rosterOperator.js';
import type { RosterStorage } from '../../services/directory/rosterStorage.js';
import { RosterStore } from '../../services/directory/rosterStore.js';
import { isDomainError } from '../../services/errors.js';
import { RosterFiles } from '../../storage/files/rosterFiles.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresRosterStorage } from '../../storage/postgres/postgresRosterStorage.js';
import { tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip, testCluster, type PostgresCluster } from '../support/postgresCluster.js';
import { PARTNER_TENANT } from '../support/serviceHarness.js';

// The roster and its audit trail, one contract for both engines (the roster.jsonl file; the
// PostgreSQL tables every instance shares), and what only PostgreSQL adds: a change made on one
// instance reaches the others' caches at once, and the first start takes over the roster file.

const CONTOSO = { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] };
const CLI = { by: 'cli:ops', source: 'cli' } as const;
const HOUR = 3_600_000;

function rosterContract(engineName: 'files' | 'postgres'): void {
  describe(`roster storage contract: ${engineName} engine`, function () {
    this.timeout(60_000);
    let dir: TempDataDir | undefined;
    let url: string | undefined;
    let opened: RosterStorage[] = [];
    let pools: pg.Pool[] = [];
    /** Another handle on the same roster: a second instance (postgres) or the CLI beside the bot (files). */
    let open: () => RosterStorage;

    before(async function () {
      this.timeout(120_000);
      if (engineName === 'files') return;
      const cluster = await clusterOrSkip(this, 'the roster storage contract on the postgres engine');
      url = await cluster.createDatabase('cpor_roster');
      const pool = createPool({ connectionString: url });
      await migrate(pool, systemClock);
      await pool.end();
    });

    beforeEach(async () => {
      if (engineName === 'files') {
        dir = await tempDataDir('cpor-roster-');
        open = () => remember(new RosterFiles(join(dir!.path, 'roster.jsonl'), join(dir!.path, 'roster-audit.jsonl')));
        return;
      }
      open = () => {
        const pool = createPool({ connectionString: url! });
        pools.push(pool);
        return remember(new PostgresRosterStorage({ pool, connectionString: url!, clock: systemClock }));
      };
      const first = createPool({ connectionString: url! });
      await first.query('TRUNCATE roster, roster_audit');
      await first.end();
    });

    const remember = (storage: RosterStorage) => {
      opened.push(storage);
      return storage;
    };

    afterEach(async () => {
      await Promise.all(opened.map((storage) => storage.close()));
      await Promise.all(pools.map((pool) => pool.end()));
      opened = [];
      pools = [];
      await dir?.remove();
      dir = undefined;
    });

    const storeOn = (storage: RosterStorage, cacheTtlMs = 0) => new RosterStore({ storage, cacheTtlMs, clock: systemClock });

    it('starts empty, and keeps each change with its audit entry for every other handle', async () => {
      const store = storeOn(open());
      assert.deepEqual(await store.load(), { organisations: [], users: [] });
      assert.equal(await addOrganisation(store, CONTOSO, CLI), true);
      assert.equal(await operatorGrant(store, { tenantId: PARTNER_TENANT, email: 'ana@contoso.com' }, 'incentives-admin', CLI), true);
      assert.equal(await operatorGrant(store, { tenantId: PARTNER_TENANT, email: 'ana@contoso.com' }, 'incentives-admin', CLI), false, 'nothing to change');

      const other = storeOn(open());
      const roster = await other.load();
      assert.deepEqual(roster.organisations, [CONTOSO]);
      assert.deepEqual(
        roster.users.map((user) => [user.email, user.roles]),
        [['ana@contoso.com', ['incentives-admin']]],
      );
      const audit = await other.auditTrail();
      assert.deepEqual(
        audit.map((entry) => [entry.action, entry.source, entry.target?.email]),
        [
          ['add-organisation', 'cli', undefined],
          ['grant', 'cli', 'ana@contoso.com'],
        ],
      );
    });

    it('a refused change stores nothing and audits nothing', async () => {
      const store = storeOn(open());
      await assert.rejects(operatorGrant(store, { tenantId: PARTNER_TENANT, email: 'ana@contoso.com' }, 'incentives-admin', CLI), RosterOperatorError);
      assert.deepEqual(await storeOn(open()).load(), { organisations: [], users: [] });
      assert.deepEqual(await store.auditTrail(), []);
    });

    it('concurrent changes through two handles all land: none overwrites another', async () => {
      const first = storeOn(open());
      await addOrganisation(first, CONTOSO, CLI);
      const second = storeOn(engineName === 'postgres' ? open() : opened[0]!);
      const emails = Array.from({ length: 12 }, (_, index) => `user${index}@contoso.com`);
      await Promise.all(emails.map((email, index) => operatorGrant(index % 2 ? first : second, { tenantId: PARTNER_TENANT, email }, 'incentives-user', CLI)));
      const roster = await storeOn(open()).load();
      assert.deepEqual(roster.users.map((user) => user.email).sort(), [...emails].sort());
      assert.equal((await first.auditTrail()).filter((entry) => entry.action === 'grant').length, 12);
    });

    if (engineName === 'postgres') {
      it("a grant or revoke on one instance reaches another instance's cached roster at once", async () => {
        const cli = storeOn(open());
        await addOrganisation(cli, CONTOSO, CLI);
        const instance = storeOn(open(), HOUR);
        const directory = new RosterDirectory(instance);
        const roles = async () => (await directory.resolve('aad-ana', PARTNER_TENANT, { email: 'ana@contoso.com' })).roles;
        assert.deepEqual(await roles(), [], 'read once: now cached for an hour');
        await waitForListener(opened[1]!);

        let heard = waitForChange(instance);
        await operatorGrant(cli, { tenantId: PARTNER_TENANT, email: 'ana@contoso.com' }, 'incentives-admin', CLI);
        await heard;
        assert.deepEqual(await roles(), ['incentives-admin'], 'the grant shows despite the hour-long cache');

        heard = waitForChange(instance);
        await operatorRevoke(cli, { tenantId: PARTNER_TENANT, email: 'ana@contoso.com' }, 'incentives-admin', CLI);
        await heard;
        assert.deepEqual(await roles(), [], 'and so does the revoke');
      });

      it('listens again after the database restarts, and reads afresh since it may have missed a change', async function () {
        this.timeout(120_000);
        const cluster = (await testCluster()) as PostgresCluster;
        const cli = storeOn(open());
        await addOrganisation(cli, CONTOSO, CLI);
        const instance = storeOn(open(), HOUR);
        await instance.load();
        await waitForListener(opened[1]!);
        const heard = waitForChange(instance);
        await cluster.restart();
        await heard;
        await waitForListener(opened[1]!);
        const again = waitForChange(instance);
        await operatorGrant(cli, { tenantId: PARTNER_TENANT, email: 'bo@contoso.com' }, 'incentives-user', CLI);
        await again;
        assert.deepEqual(
          (await instance.current()).users.map((user) => user.email),
          ['bo@contoso.com'],
        );
      });

      it('takes over the roster file at the first start, once, with its audit trail', async () => {
        const folder = await tempDataDir('cpor-roster-seed-');
        try {
          const files = new RosterFiles(join(folder.path, 'roster.jsonl'), join(folder.path, 'roster-audit.jsonl'));
          await addOrganisation(storeOn(files), CONTOSO, CLI);
          const database = open() as PostgresRosterStorage;
          assert.equal(await database.seedFrom(files), true);
          assert.equal(await database.seedFrom(files), false, 'the database has its roster now');
          await writeFile(join(folder.path, 'roster.jsonl'), '{broken');
          assert.deepEqual((await storeOn(open()).load()).organisations, [CONTOSO]);
          assert.deepEqual(
            (await storeOn(database).auditTrail()).map((entry) => entry.action),
            ['add-organisation'],
          );
        } finally {
          await folder.remove();
        }
      });

      it('tells "the database is away" apart from a broken roster', async () => {
        const nowhere = 'postgres://postgres@127.0.0.1:1/none';
        const pool = createPool({ connectionString: nowhere, connectTimeoutMs: 1000 });
        pools.push(pool);
        const away = remember(new PostgresRosterStorage({ pool, connectionString: nowhere, clock: systemClock }));
        const directory = new RosterDirectory(storeOn(away));
        await assert.rejects(directory.resolve('aad-ana', PARTNER_TENANT), (error) => isDomainError(error, 'storage-unavailable'));
      });
    }
  });
}

/** Resolves at the store's next change notice. */
function waitForChange(store: RosterStore): Promise<void> {
  return new Promise((resolve) => store.onChange(resolve));
}

/** Waits (bounded) until the instance's LISTEN connection is up. */
async function waitForListener(storage: RosterStorage): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    if ((storage as unknown as { listening?: unknown }).listening) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the roster listener did not connect');
}

rosterContract('files');
rosterContract('postgres');
