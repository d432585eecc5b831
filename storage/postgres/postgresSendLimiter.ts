import type pg from 'pg';
import type { Clock } from '../../services/clock.js';
import { windowWaitMs, type RateWindow, type SendLimiter, type SendSlot } from '../../services/sendLimits.js';
import { prepared } from './pool.js';
import { inTransaction } from './transaction.js';

// Teams' send limits held across every instance sharing the database: each request is a row of
// send_slots under its key (a conversation, or the bot's global rate), granted and completed on
// the application's clock. Granting is one short transaction under an advisory lock on the key,
// so two instances never both take the last room in a window; rows leave once they are past the
// longest window. The counting rule is the in-process limiter's (services/sendLimits.ts).

/** A request never answered (its instance stopped mid-send) counts as completed this long after it was granted. */
const ABANDONED_AFTER_MS = 180_000;
/** How soon to look again while only requests in flight (maybe on another instance) fill a window. */
const IN_FLIGHT_RECHECK_MS = 100;
/** The pause after the database could not be asked, before asking again. */
const UNAVAILABLE_PAUSE_MS = 1000;

/** Rows this old are past any window; swept for every key now and then, so quiet conversations leave nothing behind. */
const SWEEP_OLDER_THAN_MS = 3_600_000;
const SWEEP_EVERY_MS = 60_000;

type Grant = { slotId: string } | { waitMs: number };

export interface PostgresSendLimiterOptions {
  pool: pg.Pool;
  clock: Clock;
  log?: (message: string, error?: unknown) => void;
}

export class PostgresSendLimiter implements SendLimiter {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly log: (message: string, error?: unknown) => void;
  private nextSweepAt = 0;

  constructor(options: PostgresSendLimiterOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
    this.log = options.log ?? (() => undefined);
  }

  async acquire(key: string, windows: readonly RateWindow[], signal?: AbortSignal): Promise<SendSlot | undefined> {
    if (windows.length === 0) throw new Error('a limiter needs at least one window');
    const longestWindowMs = Math.max(...windows.map((window) => window.windowMs));
    for (;;) {
      if (signal?.aborted) return undefined;
      let grant: Grant;
      try {
        grant = await this.tryGrant(key, windows, longestWindowMs);
      } catch (error) {
        // Sending waits for the database rather than risk going over the limits unseen.
        this.log(`send limits: could not count a request for ${key}`, error);
        grant = { waitMs: UNAVAILABLE_PAUSE_MS };
      }
      if ('slotId' in grant) {
        await this.sweepIfDue();
        return this.slot(grant.slotId);
      }
      await this.clock.sleep(Number.isFinite(grant.waitMs) ? grant.waitMs : IN_FLIGHT_RECHECK_MS, signal);
    }
  }

  private tryGrant(key: string, windows: readonly RateWindow[], longestWindowMs: number): Promise<Grant> {
    return inTransaction(this.pool, async (client) => {
      // Instances asking for one key take turns; other keys are not held up.
      await client.query(prepared('SELECT pg_advisory_xact_lock(hashtext($1))', [key]));
      const now = this.clock.now().getTime();
      await client.query(
        prepared('UPDATE send_slots SET completed_at = granted_at + $3::bigint WHERE key = $1 AND completed_at IS NULL AND granted_at <= $2', [
          key,
          now - ABANDONED_AFTER_MS,
          ABANDONED_AFTER_MS,
        ]),
      );
      await client.query(prepared('DELETE FROM send_slots WHERE key = $1 AND completed_at <= $2', [key, now - longestWindowMs]));
      const { rows } = await client.query<{ completed_at: string | null }>(prepared('SELECT completed_at FROM send_slots WHERE key = $1', [key]));
      const counted = rows.map((row) => ({ completedAt: row.completed_at === null ? undefined : Number(row.completed_at) }));
      const waitMs = windowWaitMs(counted, windows, now);
      if (waitMs > 0) return { waitMs };
      const inserted = await client.query<{ id: string }>(prepared('INSERT INTO send_slots (key, granted_at) VALUES ($1, $2) RETURNING id', [key, now]));
      return { slotId: inserted.rows[0]!.id };
    });
  }

  /** A key is pruned when it is asked for; a key nobody asks for any more is swept here. */
  private async sweepIfDue(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    await this.pool
      .query(prepared('DELETE FROM send_slots WHERE completed_at <= $1', [now - SWEEP_OLDER_THAN_MS]))
      .catch((error: unknown) => this.log('send limits: could not sweep old requests', error));
  }

  private slot(slotId: string): SendSlot {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // Stamped with the completion instant; if this fails the row counts as abandoned later.
        await this.pool
          .query(prepared('UPDATE send_slots SET completed_at = $2 WHERE id = $1', [slotId, this.clock.now().getTime()]))
          .catch((error: unknown) => this.log('send limits: could not record a completed request', error));
      },
    };
  }
}
