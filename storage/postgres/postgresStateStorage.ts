import type { Storage, StoreItems } from 'botbuilder';
import type pg from 'pg';
import { prepared, translate } from './pool.js';

// Bot state in PostgreSQL, with the eTag semantics of the files engine (`FileStorage`): a write
// naming an eTag that is no longer the stored one is refused by the database; `*` or none
// overwrites. Any instance may continue a dialog another instance started.

export class PostgresStateStorage implements Storage {
  constructor(private readonly pool: pg.Pool) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const { rows } = await this.pool
      .query<{ key: string; etag: string; item: Record<string, unknown> }>(prepared('SELECT key, etag, item FROM bot_state WHERE key = ANY($1)', [keys]))
      .catch(translate);
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...row.item, eTag: row.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, change]) => {
        const { eTag: expected, ...item } = (change ?? {}) as Record<string, unknown> & { eTag?: string };
        const checked = expected !== undefined && expected !== '*';
        const { rowCount } = await this.pool
          .query(
            prepared(
              `INSERT INTO bot_state (key, etag, item) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET etag = bot_state.etag + 1, item = excluded.item
             WHERE NOT $3 OR bot_state.etag::text = $4`,
              [key, item, checked, checked ? String(expected) : null],
            ),
          )
          .catch(translate);
        if (rowCount !== 1) throw new Error(`Storage: the eTag of "${key}" changed (another turn wrote it first)`);
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(prepared('DELETE FROM bot_state WHERE key = ANY($1)', [keys])).catch(translate);
  }
}
