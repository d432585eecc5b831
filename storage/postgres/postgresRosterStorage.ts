import type pg from 'pg';
import { AuditEntrySchema, type AuditEntry, type RosterStorage, type RosterTextChange } from '../../services/directory/rosterStorage.js';
import type { Clock } from '../../services/clock.js';
import { postgresDriver, translate } from './pool.js';
import { inTransaction } from './transaction.js';

// The roster in PostgreSQL: one row holding its text, changed under a row lock with the audit
// rows in the same transaction, and a NOTIFY on commit. Each instance LISTENs on a connection of
// its own, so a grant or revoke made on one instance (or by the CLI) reaches every instance's
// caches at once; when that connection drops, it reconnects and reports a change, since one may
// have been missed meanwhile.

const CHANNEL = 'cpor_roster_changed';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

export interface PostgresRosterOptions {
  pool: pg.Pool;
  /** For the listening connection, which must stay out of the pool; scripts leave it out and hear nothing. */
  connectionString?: string;
  clock: Clock;
  log?: (message: string) => void;
}

export class PostgresRosterStorage implements RosterStorage {
  readonly location = 'PostgreSQL table roster';
  private readonly listeners: Array<() => void> = [];
  private listening: pg.Client | undefined;
  private closed = false;
  private reconnect = new AbortController();

  constructor(private readonly options: PostgresRosterOptions) {}

  async read(): Promise<string> {
    const { rows } = await this.options.pool.query<{ content: string }>('SELECT content FROM roster WHERE id = 1').catch(translate);
    return rows[0]?.content ?? '';
  }

  change<T>(change: (text: string) => RosterTextChange<T>): Promise<T> {
    return inTransaction(this.options.pool, async (client) => {
      await client.query('INSERT INTO roster (id, revision, content) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING', ['']);
      const { rows } = await client.query<{ content: string }>('SELECT content FROM roster WHERE id = 1 FOR UPDATE');
      const { next, audit, result } = change(rows[0]!.content);
      if (next !== undefined) {
        await client.query('UPDATE roster SET content = $1, revision = revision + 1 WHERE id = 1', [next]);
        for (const entry of audit) await client.query('INSERT INTO roster_audit (entry) VALUES ($1)', [entry]);
        await client.query(`NOTIFY ${CHANNEL}`);
      }
      return result;
    });
  }

  /**
   * The first start on a database: a roster (and audit) kept in files so far becomes the
   * database's, once. Returns false when the database already had a roster or there was none.
   */
  async seedFrom(files: RosterStorage): Promise<boolean> {
    // Every start asks; only the first on a database reads the files.
    const { rowCount: stored } = await this.options.pool.query('SELECT 1 FROM roster WHERE id = 1').catch(translate);
    if (stored) return false;
    const text = await files.read();
    if (!text.trim()) return false;
    const audit = await files.auditTrail();
    return inTransaction(this.options.pool, async (client) => {
      const { rowCount } = await client.query('INSERT INTO roster (id, revision, content) VALUES (1, 1, $1) ON CONFLICT (id) DO NOTHING', [text]);
      if (rowCount === 1) for (const entry of audit) await client.query('INSERT INTO roster_audit (entry) VALUES ($1)', [entry]);
      return rowCount === 1;
    });
  }

  async auditTrail(onSkipped?: (entry: number, problem: string) => void): Promise<AuditEntry[]> {
    const { rows } = await this.options.pool.query<{ id: string; entry: unknown }>('SELECT id, entry FROM roster_audit ORDER BY id').catch(translate);
    const entries: AuditEntry[] = [];
    for (const row of rows) {
      const parsed = AuditEntrySchema.safeParse(row.entry);
      if (parsed.success) entries.push(parsed.data);
      else onSkipped?.(Number(row.id), parsed.error.issues[0]?.message ?? 'not an entry');
    }
    return entries;
  }

  watch(listener: () => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1 && this.options.connectionString) void this.listen(this.options.connectionString);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnect.abort();
    const client = this.listening;
    this.listening = undefined;
    await client?.end().catch(() => undefined);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Keeps one LISTEN connection open, reconnecting with growing pauses while the database is away. */
  private async listen(connectionString: string): Promise<void> {
    for (let pause = RECONNECT_MIN_MS, first = true; !this.closed; pause = Math.min(pause * 2, RECONNECT_MAX_MS)) {
      const client = new (postgresDriver().Client)({ connectionString, application_name: 'cpor-claims-assistant (roster listener)' });
      const lost = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        client.on('notification', () => this.notify());
        await client.query(`LISTEN ${CHANNEL}`);
        if (this.closed) {
          await client.end();
          return;
        }
        this.listening = client;
        // Changes made while no connection listened were not heard: read afresh.
        if (!first) this.notify();
        first = false;
        pause = RECONNECT_MIN_MS / 2;
        await lost;
        this.listening = undefined;
        if (!this.closed) this.options.log?.('postgres: the roster listener lost its connection; reconnecting');
      } catch (error) {
        await client.end().catch(() => undefined);
        if (this.closed) return;
        first = false;
        this.options.log?.(`postgres: the roster listener cannot connect (${(error as Error).message}); trying again`);
      }
      await this.options.clock.sleep(pause, this.reconnect.signal).catch(() => undefined);
    }
  }
}
