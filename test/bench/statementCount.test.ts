import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPartner } from '../../bench/support/benchActors.js';
import { startBotProcess } from '../../bench/support/botProcess.js';
import { startConnectorSink } from '../../bench/support/connectorSink.js';
import { countStatements, statementsLike, statementsSent } from '../../bench/support/statementCount.js';
import { messageTurn } from '../../bench/turns.js';
import { createPool } from '../../storage/postgres/pool.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';

// The bench's count of statements the bot sends to PostgreSQL (a note per PostgreSQL scenario).

describe('bench statement count (statementCount)', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;

  before(async function () {
    cluster = await clusterOrSkip(this, 'the bench statement count');
  });

  it('counts every statement a pool sends, in a transaction and prepared alike, and stops when told', async () => {
    const pool = createPool({ connectionString: await cluster.createDatabase('bench_statements'), poolSize: 2 });
    const stop = countStatements();
    try {
      const before = statementsSent();
      await pool.query('SELECT 1');
      await pool.query({ name: 'bench-count', text: 'SELECT $1::int AS n', values: [2] });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT 3');
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      assert.equal(statementsSent() - before, 5);
      assert.equal(statementsLike(/^SELECT \$1::int AS n$/), 1, 'counted by text too');
    } finally {
      stop();
    }
    const stopped = statementsSent();
    await pool.query('SELECT 4');
    assert.equal(statementsSent(), stopped, 'nothing is counted once stopped');
    await pool.end();
  });

  it('reads, over IPC, the statements of a product on PostgreSQL, and none of the echo bot', async () => {
    const sink = await startConnectorSink();
    const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-statements-'));
    const url = await cluster.createDatabase('bench_statements_bot');
    const product = await startBotProcess('product', dataDir, { environment: { STORE: 'postgres', DATABASE_URL: url } });
    const echo = await startBotProcess('echo');
    try {
      const productBefore = await product.statementsSent();
      const echoBefore = await echo.statementsSent();
      for (let turn = 0; turn < 3; turn += 1) {
        await messageTurn(sink, product.url, benchPartner(turn), `a:statements-${turn}`, 'help');
        await messageTurn(sink, echo.url, benchPartner(turn), `a:statements-${turn}`, 'hello');
      }
      // Each first turn of a chat records the chat and reads the conversation's state, at least.
      assert.ok((await product.statementsSent()) - productBefore >= 3, `product: ${(await product.statementsSent()) - productBefore}`);
      assert.equal(echoBefore, 0);
      assert.equal(await echo.statementsSent(), 0);
    } finally {
      await Promise.all([product.stop(), echo.stop()]);
      await sink.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
