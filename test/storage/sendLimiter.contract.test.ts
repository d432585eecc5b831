import assert from 'node:assert/strict';
import type pg from 'pg';
import { InProcessSendLimiter } from '../../bot/proactive/rateLimiter.js';
import type { SendLimiter } from '../../services/sendLimits.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { PostgresSendLimiter } from '../../storage/postgres/postgresSendLimiter.js';
import { clusterOrSkip } from '../support/postgresCluster.js';
import { VirtualTime } from '../proactive/proactiveFixtures.js';

// One contract for both places the send limits are counted: in the process (files) and in the
// database (postgres). Same windows, same rule: a slot counts while in flight and then by the
// instant it completed. Virtual time: it moves only when a limiter sleeps.

const WINDOWS = [{ limit: 2, windowMs: 1000 }];

function sendLimiterContract(engine: 'files' | 'postgres'): void {
  describe(`SendLimiter contract: ${engine}`, function () {
    this.timeout(60_000);
    let time: VirtualTime;
    let limiter: () => SendLimiter;
    let pool: pg.Pool | undefined;

    before(async function () {
      if (engine === 'files') return;
      const cluster = await clusterOrSkip(this, 'the SendLimiter contract on PostgreSQL');
      pool = createPool({ connectionString: await cluster.createDatabase('cpor_send_limits'), poolSize: 4 });
      await new PostgresClaimRepository({ pool, clock: new VirtualTime() }).open();
    });

    beforeEach(async () => {
      time = new VirtualTime();
      if (pool) await pool.query('TRUNCATE send_slots');
      const inProcess = new InProcessSendLimiter(time);
      limiter = () => (pool ? new PostgresSendLimiter({ pool, clock: time }) : inProcess);
    });

    after(async () => {
      await pool?.end();
    });

    it('counts a slot in flight until released, then by its completion instant', async () => {
      const start = time.millis();
      const first = (await limiter().acquire('conversation:a', WINDOWS))!;
      const second = (await limiter().acquire('conversation:a', WINDOWS))!;
      await first.release();
      await time.sleep(500);
      await second.release();
      // Two in the window: the third waits for the first (completed at +0) to leave it.
      const third = await limiter().acquire('conversation:a', WINDOWS);
      assert.equal(time.millis() - start, 1000);
      // The second completed at +500, not when it was granted: the fourth waits for +1500.
      const fourth = await limiter().acquire('conversation:a', WINDOWS);
      assert.equal(time.millis() - start, 1500);
      await Promise.all([third!.release(), fourth!.release()]);
    });

    it('keeps keys apart, and gives up waiting when the signal aborts', async () => {
      const start = time.millis();
      await limiter().acquire('conversation:a', WINDOWS);
      await limiter().acquire('conversation:a', WINDOWS);
      assert.ok(await limiter().acquire('conversation:b', WINDOWS), 'another key has its own windows');
      assert.equal(time.millis(), start);
      // Both slots of `a` stay in flight: only a release could make room, so it waits until stopped.
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 50);
      assert.equal(await limiter().acquire('conversation:a', WINDOWS, stop.signal), undefined);
    });
  });
}

sendLimiterContract('files');
sendLimiterContract('postgres');
