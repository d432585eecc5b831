import type pg from 'pg';

// The writes of claim updates that arrive in the same turn of the event loop, sent as one
// statement (as readBatch.ts does for reads): each row is written only where it still holds the
// revision its update read, and its alerts only if it was. An update that opened a transaction
// writes on its own connection instead (claimRepository's writeChanged). Two instances' statements
// taking the same rows in another order can deadlock: the database fails one, and its updates run
// again (withLazyTransaction's retry), as a deadlock between two transactions does.

/** One claim's write: its row's columns, in the order of `COLUMNS`, and its alerts that changed. */
export interface ClaimWrite {
  id: string;
  /** The revision the update read: the row is written only if it still holds it. */
  revision: string;
  /** The indexed columns and the document, `COLUMNS[i]` for `values[i]`. */
  values: readonly unknown[];
  /** The alerts that differ from the stored ones, by position. */
  changed: ReadonlyArray<{ position: number; alert: unknown }>;
  /** Stored alerts from this position on are dropped. */
  outboxLength: number;
}

/** The columns every write of a claim sets (insert, update, batch), with their types as `claims` (migrations 0001, 0007, 0009, 0010) has them. */
export const COLUMNS = [
  ['version', 'int'],
  ['partner_tenant_id', 'text'],
  ['customer_tenant_id', 'text'],
  ['status', 'text'],
  ['consent_phase', 'text'],
  ['status_since', 'text'],
  ['created_at', 'text'],
  ['record_keys', 'text[]'],
  ['active', 'boolean'],
  ['next_due_at', 'bigint'],
  ['oldest_pending_at', 'bigint'],
  ['pending_alerts', 'int'],
  ['pending_mark', 'text'],
  ['search_text', 'text'],
  ['precheck_mark', 'text'],
  ['claim', 'jsonb'],
] as const;

// record_keys travels as a JSON list: the recordset has no text[] from JSON.
const recordType = (type: string) => (type === 'text[]' ? 'jsonb' : type);
const assigned = (column: string, type: string) =>
  type === 'text[]' ? `${column} = ARRAY(SELECT jsonb_array_elements_text(w.${column}))` : `${column} = w.${column}`;

const WRITE_BATCH: Omit<pg.QueryConfig, 'values'> = {
  name: 'claims-write-batch',
  text: `WITH w AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id text, revision bigint, ${COLUMNS.map(([column, type]) => `${column} ${recordType(type)}`).join(', ')},
        changed jsonb, outbox_length int)
    ), updated AS (
      UPDATE claims c SET revision = c.revision + 1, ${COLUMNS.map(([column, type]) => assigned(column, type)).join(', ')}
      FROM w WHERE c.id = w.id AND c.revision = w.revision
      RETURNING c.id
    ), written AS (
      INSERT INTO claim_alerts (claim_id, position, id, state, created_at, alert)
      SELECT w.id, a.position, a.alert->>'id', a.alert->>'state', a.alert->>'createdAt', a.alert
      FROM w JOIN updated USING (id) CROSS JOIN jsonb_to_recordset(w.changed) AS a(position int, alert jsonb)
      ON CONFLICT (claim_id, position) DO UPDATE
        SET id = excluded.id, state = excluded.state, created_at = excluded.created_at, alert = excluded.alert
    ), dropped AS (
      DELETE FROM claim_alerts d USING w JOIN updated USING (id) WHERE d.claim_id = w.id AND d.position >= w.outbox_length
    )
    SELECT id FROM updated`,
};

interface Waiting {
  write: ClaimWrite;
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

// Taken when the module loads: a test's fake timers must not hold the database's writes back.
const nextTurn = setImmediate;

export class ClaimWriteBatch {
  private waiting: Waiting[] = [];

  constructor(
    private readonly query: (config: pg.QueryConfig) => Promise<pg.QueryResult<{ id: string }>>,
    private readonly maxWrites = 50,
  ) {}

  /** True when the row still held the revision read, and was written with its alerts. */
  write(write: ClaimWrite): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) nextTurn(() => this.flush());
      this.waiting.push({ write, resolve, reject });
    });
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    // One write per claim a statement (a row is updated once per statement); a second waits for
    // the next statement, where it meets the revision the first left.
    const later: Waiting[] = [];
    const batch: Waiting[] = [];
    const ids = new Set<string>();
    for (const entry of waiting) {
      if (ids.has(entry.write.id) || batch.length >= this.maxWrites) later.push(entry);
      else {
        ids.add(entry.write.id);
        batch.push(entry);
      }
    }
    if (later.length > 0) {
      this.waiting = later;
      nextTurn(() => this.flush());
    }
    this.send(batch).then(
      (written) => batch.forEach((entry) => entry.resolve(written.has(entry.write.id))),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }

  private async send(batch: readonly Waiting[]): Promise<Set<string>> {
    const rows = batch.map(({ write }) => {
      const row: Record<string, unknown> = { id: write.id, revision: write.revision, changed: write.changed, outbox_length: write.outboxLength };
      COLUMNS.forEach(([column], index) => (row[column] = write.values[index]));
      return row;
    });
    const { rows: updated } = await this.query({ ...WRITE_BATCH, values: [JSON.stringify(rows)] });
    return new Set(updated.map((row) => row.id));
  }
}
