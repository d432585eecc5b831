import assert from 'node:assert/strict';
import type { Storage } from 'botbuilder';
import type pg from 'pg';
import { systemClock } from '../../services/clock.js';
import { FileStorage } from '../../storage/files/fileStateStorage.js';
import { migrate } from '../../storage/postgres/migrate.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresStateStorage } from '../../storage/postgres/postgresStateStorage.js';
import { tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { clusterOrSkip } from '../support/postgresCluster.js';

// botbuilder's Storage (dialog state) with eTags, one contract for both engines: what a turn
// reads carries an eTag; a write naming a stale one is refused; `*` or none overwrites.

function stateStorageContract(engineName: 'files' | 'postgres'): void {
  describe(`bot state Storage contract: ${engineName} engine`, function () {
    let open: () => Storage;
    let storage: Storage;
    let dir: TempDataDir | undefined;
    let pool: pg.Pool | undefined;

    before(async function () {
      this.timeout(120_000);
      if (engineName === 'files') return;
      const cluster = await clusterOrSkip(this, 'the bot state Storage contract on the postgres engine');
      pool = createPool({ connectionString: await cluster.createDatabase('cpor_state') });
      await migrate(pool, systemClock);
    });

    beforeEach(async () => {
      if (engineName === 'files') {
        dir = await tempDataDir('cpor-state-');
        open = () => new FileStorage(dir!.path);
      } else {
        await pool!.query('TRUNCATE bot_state');
        open = () => new PostgresStateStorage(pool!);
      }
      storage = open();
    });

    afterEach(async () => {
      await dir?.remove();
    });

    after(async () => {
      await pool?.end();
    });

    it('reads nothing for unknown keys, then what was written, with an eTag, also through another handle', async () => {
      assert.deepEqual(await storage.read(['conversation/1']), {});
      await storage.write({ 'conversation/1': { dialogStack: [{ id: 'createClaim', state: { step: 2 } }] } });
      assert.deepEqual(Object.keys(await storage.read(['conversation/1', 'conversation/2'])), ['conversation/1'], 'the same handle reads the write');
      const read = await open().read(['conversation/1', 'conversation/2']);
      assert.deepEqual(Object.keys(read), ['conversation/1']);
      assert.deepEqual(read['conversation/1'].dialogStack, [{ id: 'createClaim', state: { step: 2 } }]);
      assert.equal(typeof read['conversation/1'].eTag, 'string');
    });

    it('refuses a write with a stale eTag and accepts the current one, "*" and none', async () => {
      await storage.write({ key: { value: 1 } });
      const first = (await storage.read(['key'])).key;
      await storage.write({ key: { value: 2, eTag: first.eTag } });
      await assert.rejects(storage.write({ key: { value: 3, eTag: first.eTag } }), /eTag/);
      assert.equal((await storage.read(['key'])).key.value, 2);
      await storage.write({ key: { value: 4, eTag: '*' } });
      await storage.write({ key: { value: 5 } });
      const last = (await storage.read(['key'])).key;
      assert.equal(last.value, 5);
      assert.notEqual(last.eTag, first.eTag);
    });

    it('lets one of four turns that read the same eTag write', async () => {
      await storage.write({ key: { value: 0 } });
      const { eTag } = (await storage.read(['key'])).key;
      // Files: one process owns a DATA_DIR, so the turns share its handle; postgres: one handle
      // per turn stands for several instances.
      const handleOfTurn = () => (engineName === 'files' ? storage : open());
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map((value) => handleOfTurn().write({ key: { value, eTag } })));
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    });

    it('deletes, and a deleted key may be written again', async () => {
      await storage.write({ a: { value: 1 }, b: { value: 2 } });
      await storage.delete(['a', 'missing']);
      assert.deepEqual(Object.keys(await storage.read(['a', 'b'])), ['b']);
      await storage.write({ a: { value: 3 } });
      assert.equal((await storage.read(['a'])).a.value, 3);
    });

    it('hands each read its own copy, and keeps every item right past a megabyte of state', async () => {
      await storage.write({ small: { list: [1] } });
      const mine = (await storage.read(['small'])).small;
      mine.list.push(2);
      assert.deepEqual((await storage.read(['small'])).small.list, [1], 'a change to what a turn read is not what the next turn reads');
      const keys = Array.from({ length: 40 }, (_, index) => `conversation/${index}`);
      for (const key of keys) await storage.write({ [key]: { key, text: key.padEnd(40_000, '.') } });
      const read = await storage.read(keys);
      assert.deepEqual(
        keys.map((key) => read[key]?.key),
        keys,
      );
      // The first item, long left memory by now, still carries its eTag: a turn may write it once.
      const { eTag } = read['conversation/0'];
      await storage.write({ 'conversation/0': { key: 'conversation/0', text: 'changed', eTag } });
      await assert.rejects(storage.write({ 'conversation/0': { text: 'stale', eTag } }));
      assert.equal((await open().read(['conversation/0']))['conversation/0'].text, 'changed');
    });
  });
}

stateStorageContract('files');
stateStorageContract('postgres');
