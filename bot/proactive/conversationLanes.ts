import { setMaxListeners } from 'node:events';
import { InProcessSendLimiter, TEAMS_CONVERSATION_WINDOWS, type RateWindow } from './rateLimiter.js';
import type { Clock } from '../../services/clock.js';
import type { SendLimiter, SendSlot } from '../../services/sendLimits.js';

// One queue per conversation, run one task at a time in order, each task's request passing the
// conversation's limiter and the global one. A throttled or failing conversation waits on its
// own; every other lane keeps flowing. The limits are counted by a SendLimiter: in this process
// (files engine), or in the database across every instance (STORE=postgres). A task holds the
// slots only around its request (`send`): a slot stays in its window from its release, so the
// bookkeeping after an answer (journal, outbox, card copies) must not hold it, or the bot's
// 50 per second would shrink to 50 per (1 s + that bookkeeping).
//
// A channel other than Teams (the consent mail's mailbox) gets a lane of its own, under its own
// limits and not the bot's Teams rate, so a pass hands it work without waiting for the mailbox.

export type LaneVerdict = { kind: 'done' } | { kind: 'retry'; afterMs: number };

/**
 * Runs `request` holding a slot of the conversation's windows and of the bot's rate. Resolves
 * undefined, without running it, only when the lanes stop first.
 */
export type SendWithinLimits = <T>(request: () => Promise<T>) => Promise<T | undefined>;

export interface LaneTask {
  /**
   * Makes its requests through `send` (a Teams copy: one; a mail to several people: one each);
   * never throws. `retry` keeps the task at the head of its lane (as does stopping while it waits
   * for a slot).
   */
  run(send: SendWithinLimits): Promise<LaneVerdict>;
}

/** Another channel's own limits (a mailbox's), counted under `key` by the same limiter. */
export interface ChannelLimits {
  key: string;
  windows: readonly RateWindow[];
}

interface Lane {
  queue: LaneTask[];
  running: boolean;
  blockedUntil: number;
  /** What its requests count against: a conversation's windows and the bot's rate, or a channel's own. */
  limits: { key: string; windows: readonly RateWindow[]; botRate: boolean };
}

/** The bot's rate does not apply to another channel's requests. */
const NO_SLOT: SendSlot = { release: async () => undefined };

export interface LaneOptions {
  clock: Clock;
  globalRatePerSecond: number;
  conversationWindows?: readonly RateWindow[];
  /** Where sends are counted (default: in this process). */
  limiter?: SendLimiter;
  log?: (message: string, error?: unknown) => void;
}

export class ConversationLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly limiter: SendLimiter;
  private readonly globalWindows: readonly RateWindow[];
  private readonly conversationWindows: readonly RateWindow[];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private inFlight = 0;

  constructor(private readonly options: LaneOptions) {
    this.limiter = options.limiter ?? new InProcessSendLimiter(options.clock);
    this.globalWindows = [{ limit: options.globalRatePerSecond, windowMs: 1000 }];
    this.conversationWindows = options.conversationWindows ?? TEAMS_CONVERSATION_WINDOWS;
    // Every lane waiting for a slot listens for the stop: hundreds at once in a backlog is expected.
    setMaxListeners(0, this.stopping.signal);
  }

  enqueue(conversationKey: string, task: LaneTask): void {
    this.push(conversationKey, task, { key: `conversation:${conversationKey}`, windows: this.conversationWindows, botRate: true });
  }

  /** Queues `task` in the lane of another channel, under its own limits only. */
  enqueueChannel(channel: ChannelLimits, task: LaneTask): void {
    this.push(channel.key, task, { ...channel, botRate: false });
  }

  private push(laneKey: string, task: LaneTask, limits: Lane['limits']): void {
    if (this.stopping.signal.aborted) return;
    let lane = this.lanes.get(laneKey);
    if (!lane) {
      lane = { queue: [], running: false, blockedUntil: 0, limits };
      this.lanes.set(laneKey, lane);
    }
    lane.queue.push(task);
    if (!lane.running) this.startLane(laneKey, lane);
  }

  /** Runs `request` under the global rate only (requests that belong to no conversation yet). */
  async withGlobalSlot<T>(request: () => Promise<T>): Promise<T | undefined> {
    const slot = await this.globalSlot();
    if (!slot) return undefined;
    try {
      return await request();
    } finally {
      await slot.release();
    }
  }

  /** The instant a throttled conversation may be tried again (0 when it is not waiting). */
  blockedUntil(conversationKey: string): number {
    return this.lanes.get(conversationKey)?.blockedUntil ?? 0;
  }

  stats(): { lanes: number; queued: number; inFlight: number } {
    let queued = 0;
    for (const lane of this.lanes.values()) queued += lane.queue.length;
    return { lanes: this.lanes.size, queued, inFlight: this.inFlight };
  }

  /** Resolves once every lane is empty. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Lets each request in flight finish, then stops; queued tasks are dropped (they stay pending). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private startLane(key: string, lane: Lane): void {
    lane.running = true;
    const run = this.drainLane(key, lane)
      .catch((error: unknown) => this.options.log?.(`delivery lane ${key} failed`, error))
      .finally(() => {
        lane.running = false;
        this.running.delete(run);
        if (lane.queue.length === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
        else if (!this.stopping.signal.aborted) this.startLane(key, lane);
      });
    this.running.add(run);
  }

  private async drainLane(key: string, lane: Lane): Promise<void> {
    const { clock } = this.options;
    const signal = this.stopping.signal;
    while (lane.queue.length > 0 && !signal.aborted) {
      const wait = lane.blockedUntil - clock.now().getTime();
      if (wait > 0) {
        await clock.sleep(wait, signal);
        continue;
      }
      const task = lane.queue[0]!;
      const verdict = await task.run((request) => this.withSlots(lane.limits, request));
      if (signal.aborted) return;
      if (verdict.kind === 'retry') lane.blockedUntil = Math.max(lane.blockedUntil, clock.now().getTime() + verdict.afterMs);
      else lane.queue.shift();
    }
  }

  private async withSlots<T>(limits: Lane['limits'], request: () => Promise<T>): Promise<T | undefined> {
    const laneSlot = await this.limiter.acquire(limits.key, limits.windows, this.stopping.signal);
    if (!laneSlot) return undefined;
    const globalSlot = limits.botRate ? await this.globalSlot() : NO_SLOT;
    if (!globalSlot) {
      await laneSlot.release();
      return undefined;
    }
    this.inFlight += 1;
    try {
      return await request();
    } finally {
      this.inFlight -= 1;
      await Promise.all([globalSlot.release(), laneSlot.release()]);
    }
  }

  /** The bot's own rate, across every conversation (and every instance, when shared). */
  private globalSlot() {
    return this.limiter.acquire('bot', this.globalWindows, this.stopping.signal);
  }
}
