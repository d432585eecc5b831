import type pg from 'pg';
import { isRetryable, translate } from './pool.js';

// One transaction on a pooled connection, the same way for every table: BEGIN, the work, COMMIT;
// on failure ROLLBACK and the error as the product understands it (storage-unavailable when the
// database is away). A connection cut meanwhile, or whose rollback failed, is in an unknown state:
// it is dropped from the pool, never reused.

/** Deadlocks and serialization failures run again, up to this many times in all. */
const MAX_ATTEMPTS = 50;

export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: { retry?: boolean } = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      return translate(error);
    }
    let broken: Error | undefined;
    // A connection cut while checked out (restart, failover) reports here, not as a crash;
    // the next query on it fails and the server rolls the transaction back.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      if (options.retry && attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
      return translate(error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
