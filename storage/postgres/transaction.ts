import type pg from 'pg';
import { isRetryable, translate } from './pool.js';

// One transaction on a pooled connection, the same way for every table: BEGIN, the work, COMMIT;
// on failure ROLLBACK and the error as the product understands it (storage-unavailable when the
// database is away). A connection cut meanwhile, or whose rollback failed, is in an unknown state:
// it is dropped from the pool, never reused.

/** Deadlocks and serialization failures run again, up to this many times in all. */
const MAX_ATTEMPTS = 50;

/** A pooled connection, taken when the work first needs one, whose transaction begins when the work asks for it. */
export interface LazyTransaction {
  /** The session's connection, taken from the pool on first use. */
  connection(): Promise<pg.PoolClient>;
  /** Sends BEGIN unless already sent; what runs on the connection after it is in the transaction. */
  begin(): Promise<void>;
  /** Whether BEGIN was sent. */
  readonly begun: boolean;
}

export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: { retry?: boolean } = {}): Promise<T> {
  return withLazyTransaction(
    pool,
    async (session) => {
      await session.begin();
      return work(await session.connection());
    },
    options,
  );
}

/**
 * `work` with a session whose connection is taken when first asked for (a change that needs none,
 * one written with others, holds none), its statements each on their own until it calls `begin`;
 * then the rest is one transaction, committed when `work` returns. A change that is one statement
 * (its condition in its WHERE) needs no BEGIN and COMMIT: two round trips fewer.
 */
export async function withLazyTransaction<T>(pool: pg.Pool, work: (session: LazyTransaction) => Promise<T>, options: { retry?: boolean } = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    let client: pg.PoolClient | undefined;
    let connecting: Promise<pg.PoolClient> | undefined;
    let broken: Error | undefined;
    // A connection cut while checked out (restart, failover) reports here, not as a crash;
    // the next query on it fails and the server rolls the transaction back.
    const onError = (error: Error) => {
      broken = error;
    };
    const connection = (): Promise<pg.PoolClient> => {
      connecting ??= pool.connect().then(
        (connected) => {
          client = connected;
          connected.on('error', onError);
          return connected;
        },
        (error: unknown) => translate(error),
      );
      return connecting;
    };
    let begun = false;
    const session: LazyTransaction = {
      connection,
      get begun() {
        return begun;
      },
      async begin() {
        if (begun) return;
        begun = true;
        await (await connection()).query('BEGIN');
      },
    };
    try {
      const result = await work(session);
      if (begun) await client!.query('COMMIT');
      return result;
    } catch (error) {
      if (begun && client) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      if (options.retry && attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
      return translate(error);
    } finally {
      // Taken but still connecting when the work failed: released once it arrives.
      if (client) {
        client.off('error', onError);
        client.release(broken);
      } else {
        connecting?.then(
          (late) => {
            late.off('error', onError);
            late.release();
          },
          () => undefined,
        );
      }
    }
  }
}
