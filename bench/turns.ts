import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Actor } from '../services/actor.js';
import { systemClock } from '../services/clock.js';
import { copyFilesToPostgres } from '../storage/copyFilesToPostgres.js';
import { createPool } from '../storage/postgres/pool.js';
import { testCluster } from '../test/support/postgresCluster.js';
import { benchPartner, benchReviewer } from './support/benchActors.js';
import { startBotProcess, type BotProcess } from './support/botProcess.js';
import type { MemoryFigures } from './support/turnServer.js';
import { startConnectorSink, type ConnectorSink } from './support/connectorSink.js';
import { CpuTally, describeCpu, machineTicks, processTree, stolenShare, type CpuPerRequest } from './support/cpuShare.js';
import { combineLoopFigures, describeLoop, type LoopFigures } from './support/loopWatch.js';
import { closedLoop, median, openLoop, runRatios, postJson, postJsonForText, type Request } from './support/load.js';
import { seedInReviewClaims, type SeededClaims } from './support/seedClaims.js';

// Turns over HTTP on loopback: the echo floor (bench/echoBot.ts) and the product (bot/app.ts's
// startApp), each in its own process, against the same stand-in connector in this process.
// Per scenario: a warm-up, then `runs` closed-loop runs at fixed concurrency (throughput) and
// `runs` open-loop runs at a fixed, evenly spaced arrival rate (p50/p99 from the scheduled
// arrival); each figure is the median of its runs.

export type ScenarioName = 'echo' | 'claim' | 'approve' | 'approve-postgres' | 'approve-fast-outbox' | 'dialog';

export interface ScenarioResult {
  name: ScenarioName;
  /** What one request is, for the table. */
  label: string;
  throughput: number;
  throughputRuns: number[];
  p50Ms: number;
  p99Ms: number;
  p50Runs: number[];
  p99Runs: number[];
  /** Timed requests across all runs, and those that failed (not 2xx, or not the expected answer). */
  requests: number;
  errors: number;
  /** Open-loop requests still unanswered 5 s after the last arrival (counted at the latency reached: p99 is then a lower bound). */
  unfinished: number;
  /** What the first failed request said. */
  firstError?: string;
  /** CPU a completed request cost each process in the closed-loop runs (Linux only). */
  cpu?: CpuPerRequest;
  /** The bot's event loop in the open-loop runs (the latency runs): how busy, GC pauses, lateness. */
  loop?: LoopFigures;
  /** Full collections in each open-loop run, in order (beside p99Runs: one falling inside a run can decide its p99). */
  fullCollectionRuns?: number[];
  /** Statements the bot sent to PostgreSQL a completed request (background work included), in the closed and in the open loops; absent when it sent none. */
  statements?: { closed: number; open: number };
  /**
   * The echo floor's runs taken beside this scenario's (its run i just before run i, this bot
   * paused meanwhile): a product scenario's ratios pair them. Absent for the floor itself.
   */
  floor?: { throughputRuns: number[]; p50Runs: number[]; p99Runs: number[]; steal: StealRuns };
  /** The share of the machine's CPU time the hypervisor gave to other guests during each timed run (Linux only). */
  steal: StealRuns;
}

/** Steal in each closed-loop and each open-loop run, in order; NaN where /proc/stat could not be read. */
export interface StealRuns {
  closed: number[];
  open: number[];
}

/** Runs `work`, and says what share of the machine's CPU time was stolen meanwhile. */
async function withSteal<T>(work: () => Promise<T>): Promise<{ result: T; steal: number }> {
  const before = machineTicks();
  const result = await work();
  return { result, steal: stolenShare(before, machineTicks()) ?? Number.NaN };
}

export interface MemoryResult {
  /** RSS after start (and, for the product, after loading the seeded claims), before any turn. */
  idleBytes: number;
  /** Highest and median RSS sampled every 250 ms during the timed runs. */
  loadPeakBytes: number;
  loadMedianBytes: number;
}

export interface TurnBenchResult {
  scenarios: ScenarioResult[];
  memory: { echo: MemoryResult; product: MemoryResult };
  /** Things worth knowing about the run (outbox backlog, claims used, ...). */
  notes: string[];
  /** The product process's CPU profile, when one was asked for. */
  profileDir?: string;
}

export interface TurnBenchOptions {
  runs?: number;
  runMs?: number;
  warmupMs?: number;
  concurrency?: number;
  ratePerSecond?: number;
  /** InReview claims seeded for `approve` (one per invoke) and `claim <id>`. */
  seededClaims?: number;
  /** Which product scenarios to run (all unless given). */
  only?: readonly ScenarioName[];
  /** Write a CPU profile of the product process into this folder. */
  profileDir?: string;
  progress?: (message: string) => void;
}

/** Claims `claim <id>` shows, in turn (more than the store's document cache would not be typical). */
const SHOWN_CLAIMS = 200;
/** The fewest claims seeded for the `approve` scenarios (their index is part of what they measure). */
const MIN_APPROVE_CLAIMS = 12_000;

/**
 * Claims enough for every `approve` request of a scenario, if the product turned them over as fast
 * as the echo floor's best closed-loop run (plus a tenth): the warm-up and the closed-loop runs at
 * that rate, the open-loop runs at theirs, the warm users and the probe.
 */
function claimsForApprovals(settings: Settings, echoPerSecond: number): number {
  const closedSeconds = (settings.warmupMs + settings.runs * settings.runMs) / 1000;
  const openSeconds = (settings.runs * settings.runMs) / 1000;
  const needed = Math.ceil(1.1 * echoPerSecond * closedSeconds + settings.ratePerSecond * openSeconds) + WARM_SLOTS + 1;
  return Math.max(MIN_APPROVE_CLAIMS, needed);
}

/** Users (each in their own chat) warmed up before timing, so no timed turn is anyone's first. */
const WARM_SLOTS = 48;
const RSS_SAMPLE_MS = 250;
/** How long an open-loop run waits for its last requests: a bot far below 250/s would otherwise take minutes. */
const OPEN_LOOP_DRAIN_MS = 5000;
/** How long the `approve` scenarios watch the loop after their runs, delivery alone at work. */
const IDLE_LOOP_WATCH_MS = 10_000;

const LABELS: Record<ScenarioName, string> = {
  echo: 'echo floor (message, one text reply)',
  claim: '`claim <id>` message (reply: claim card)',
  approve: '`approve` invoke (claim changed, card re-rendered)',
  'approve-postgres': '`approve` invoke, STORE=postgres (same claims, copied)',
  'approve-fast-outbox': '`approve` invoke, outbox delivery at 1000/s (not a target)',
  dialog: '`new claim` dialog step (reply: first step)',
};

export async function runTurnBench(options: TurnBenchOptions = {}): Promise<TurnBenchResult> {
  const settings = {
    runs: options.runs ?? 3,
    runMs: options.runMs ?? 5000,
    warmupMs: options.warmupMs ?? 1000,
    concurrency: options.concurrency ?? 10,
    ratePerSecond: options.ratePerSecond ?? 250,
  };
  const progress = options.progress ?? (() => undefined);
  const wanted = new Set<ScenarioName>(options.only ?? ['claim', 'approve', 'approve-postgres', 'approve-fast-outbox', 'dialog']);
  const sink = await startConnectorSink();
  const notes: string[] = [];
  const scenarios: ScenarioResult[] = [];
  try {
    // ---- the floor ----
    // It stays up: each product run is paired with a floor run just before it (see Scenario.floor).
    // --expose-gc lets the live heap be read after the runs (a full collection, then heapUsed); nothing calls it before.
    const echo = await startBotProcess('echo', undefined, { nodeFlags: ['--expose-gc'] });
    const echoMemory = new MemorySampler(echo);
    const echoBesideMemory = new MemorySampler(echo);
    const echoIdle = await settledRss(echo);
    const productMemory: MemoryResult[] = [];
    try {
      const floor = new Scenario('echo', echo, sink, (slot) => messageTurn(sink, echo.url, benchPartner(slot), `a:bench-echo-${slot}`, 'hello'));
      await floor.probe(expectTextReply('echo hello'));
      scenarios.push(withMeasurementNotes(await floor.measure(settings, echoMemory, progress), notes, settings.ratePerSecond));

      // Every approval takes a claim no one approved before: as many as the fastest echo run could take.
      const echoBest = Math.max(...scenarios[0]!.throughputRuns);

      // ---- the product: each scenario in a fresh process on a fresh DATA_DIR ----
      for (const name of (['claim', 'dialog', 'approve', 'approve-postgres', 'approve-fast-outbox'] as const).filter((candidate) => wanted.has(candidate))) {
        const dataDir = await mkdtemp(join(tmpdir(), `cpor-bench-${name}-`));
        try {
          const seedCount = name === 'dialog' ? 1 : name === 'claim' ? SHOWN_CLAIMS : (options.seededClaims ?? claimsForApprovals(settings, echoBest));
          const seedStart = performance.now();
          const seeded = await seedInReviewClaims(dataDir, seedCount);
          progress(`turns: ${name}: seeded ${seedCount} InReview claims in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
          const profileDir = options.profileDir ? join(options.profileDir, name) : undefined;
          let environment: Record<string, string> = {};
          let databasePid: (() => number | undefined) | undefined;
          // The product's default is 50 alerts/s; this variant shows the invoke without a backlog.
          if (name === 'approve-fast-outbox') environment = { DELIVERY_GLOBAL_RATE: '1000' };
          if (name === 'approve-postgres') {
            const database = await postgresCopyOf(dataDir);
            if (!database) {
              notes.push('approve-postgres: skipped, PostgreSQL binaries not found (apt-get install postgresql)');
              continue;
            }
            progress(`turns: ${name}: the claims copied to PostgreSQL in ${(database.copyMs / 1000).toFixed(1)} s`);
            environment = { STORE: 'postgres', DATABASE_URL: database.url };
            databasePid = database.serverPid;
          }
          const product = await startBotProcess('product', dataDir, {
            nodeFlags: ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
            environment,
          });
          const memory = new MemorySampler(product);
          const idle = await settledRss(product);
          try {
            const scenario = productScenario(name, product, sink, seeded, notes, databasePid);
            scenario.floor = floor;
            scenario.floorMemory = echoBesideMemory;
            await scenario.probe(name.startsWith('approve') ? expectNothing : expectCardReply(name === 'claim' ? seeded.ids[0] : undefined));
            scenarios.push(withMeasurementNotes(await scenario.measure(settings, memory, progress), notes, settings.ratePerSecond));
            if (scenario.afterAll) await scenario.afterAll();
            notes.push(`${name}: ${liveHeapNote(await product.memory())}`);
          } finally {
            await product.stop();
          }
          const scenarioMemory = memory.result(idle);
          productMemory.push(scenarioMemory);
          // The memory row shows the peak of all product processes: say which one it came from.
          notes.push(
            `${name}: RSS idle ${megabytes(scenarioMemory.idleBytes)}, under load peak ${megabytes(scenarioMemory.loadPeakBytes)} (median ${megabytes(scenarioMemory.loadMedianBytes)})`,
          );
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      }
      notes.push(`echo: ${liveHeapNote(await echo.memory())}, after all its runs`);
    } finally {
      await echo.stop();
    }
    // The product's peak is the highest of its processes over all their runs: the floor's is taken
    // over all of its runs too, its own row's and those beside the product's.
    const echoOwn = echoMemory.result(echoIdle);
    const echoAll = MemorySampler.together([echoMemory, echoBesideMemory]).result(echoIdle);
    if (echoBesideMemory.sampled()) {
      notes.push(
        `echo: RSS under load peak ${megabytes(echoAll.loadPeakBytes)} (median ${megabytes(echoAll.loadMedianBytes)}) over all its runs; ` +
          `in its own row's runs alone ${megabytes(echoOwn.loadPeakBytes)} (median ${megabytes(echoOwn.loadMedianBytes)})`,
      );
    }
    return {
      scenarios,
      memory: {
        echo: echoAll,
        product: {
          idleBytes: median(productMemory.map((memory) => memory.idleBytes)),
          loadPeakBytes: Math.max(...productMemory.map((memory) => memory.loadPeakBytes)),
          loadMedianBytes: median(productMemory.map((memory) => memory.loadMedianBytes)),
        },
      },
      notes,
      ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    };
  } finally {
    await sink.close();
  }
}

/**
 * The seeded claims in a new database of the throw-away cluster (fsync off), through the copy
 * script (verified), so both engines serve the same claims. Undefined without PostgreSQL.
 */
async function postgresCopyOf(dataDir: string): Promise<{ url: string; copyMs: number; serverPid: () => number | undefined } | undefined> {
  const cluster = await testCluster();
  if (!cluster) return undefined;
  const url = await cluster.createDatabase('cpor_bench_turns');
  const pool = createPool({ connectionString: url, poolSize: 2, statementTimeoutMs: 600_000 });
  const started = performance.now();
  try {
    await copyFilesToPostgres({ dataDir, pool, clock: systemClock });
  } finally {
    await pool.end();
  }
  return { url, copyMs: performance.now() - started, serverPid: () => cluster.serverPid() };
}

/** Says in the notes where the scenario's closed loops spent the machine's CPU, and how busy the bot's loop was in the open loops. */
function withMeasurementNotes(result: ScenarioResult, notes: string[], ratePerSecond: number): ScenarioResult {
  if (result.cpu) notes.push(`${result.name}: CPU in the closed loops: ${describeCpu(result.cpu)}`);
  if (result.loop) notes.push(`${result.name}: the bot's event loop in the open loops at ${ratePerSecond}/s: ${describeLoop(result.loop)}`);
  if (result.fullCollectionRuns) notes.push(`${result.name}: ${describeCollectionRuns(result.fullCollectionRuns, result.p99Runs)}`);
  if (result.statements) {
    const { closed, open } = result.statements;
    notes.push(
      `${result.name}: statements sent to PostgreSQL a request (delivery's included): ${closed.toFixed(2)} in the closed loops, ${open.toFixed(2)} in the open loops at ${ratePerSecond}/s`,
    );
  }
  return result;
}

/** "full collections in each open loop, in order: 1, 0, 1 (p99 48.5, 7.9, 28.8 ms)". */
function describeCollectionRuns(fullCollectionRuns: readonly number[], p99Runs: readonly number[]): string {
  return `full collections in each open loop, in order: ${fullCollectionRuns.join(', ')} (p99 ${p99Runs.map((ms) => ms.toFixed(1)).join(', ')} ms)`;
}

function productScenario(
  name: Exclude<ScenarioName, 'echo'>,
  product: BotProcess,
  sink: ConnectorSink,
  seeded: SeededClaims,
  notes: string[],
  databasePid?: () => number | undefined,
): Scenario {
  if (name === 'claim') {
    let next = 0;
    return new Scenario('claim', product, sink, (slot) =>
      messageTurn(sink, product.url, benchPartner(slot), `a:bench-claim-${slot}`, `claim ${seeded.ids[next++ % seeded.ids.length]!}`),
    );
  }
  if (name === 'dialog') {
    return new Scenario('dialog', product, sink, (slot) => messageTurn(sink, product.url, benchPartner(slot), `a:bench-dialog-${slot}`, 'new claim'));
  }
  const supply = new ClaimSupply(seeded, 0);
  const scenario = new Scenario(
    name,
    product,
    sink,
    (slot) => approveInvoke(sink, product.url, benchReviewer(slot), supply.next(), seeded.version),
    databasePid,
  );
  const backlog: number[] = [];
  scenario.betweenRuns = async () => {
    // Each approval records two alerts; delivery is rate-limited (DELIVERY_GLOBAL_RATE, 50/s by
    // default), so a backlog builds up under this load. It is left to drain as it would.
    await new Promise((resolve) => setTimeout(resolve, 500));
    backlog.push(await product.pendingAlerts());
  };
  scenario.afterAll = async () => {
    notes.push(`${name}: closed-loop runs ${scenario.lastThroughputs.map((value) => `${value.toFixed(0)}/s`).join(', ')} in order (the median is reported)`);
    notes.push(`${name}: ${supply.used} claims approved (of ${seeded.ids.length} seeded; ${supply.failed} requests found none left)`);
    notes.push(`${name}: alerts waiting for delivery after each run: ${backlog.join(', ')}`);
    // What delivery costs the loop with its backlog and no request arriving: during the runs it
    // shares the loop with them.
    await product.watchLoop();
    await new Promise((resolve) => setTimeout(resolve, IDLE_LOOP_WATCH_MS));
    const idleLoop = await product.loopFigures();
    notes.push(
      `${name}: the bot's event loop for ${IDLE_LOOP_WATCH_MS / 1000} s after the runs, no request arriving, ${await product.pendingAlerts()} alerts waiting: ${describeLoop(idleLoop)}`,
    );
  };
  return scenario;
}

export interface Paired {
  floorRuns: readonly number[];
  /** Each run of the scenario over its floor (see versusFloor). */
  ratios: number[];
  /** What the verdict is on. */
  ratio: number;
}

type Figure = 'throughputRuns' | 'p50Runs' | 'p99Runs';

/**
 * A scenario's figure against the echo floor. Throughput drifts with the machine over minutes, so
 * run i goes over the floor run taken just before it (ScenarioResult.floor) and the verdict is on
 * the median of those ratios. A latency run's p99 is the 12th-worst of 1,250 requests: one stall of
 * the shared machine decides it, stalls come and go within seconds, and a single floor run beside
 * it is as likely to hold one as not. So latencies go over the median of every floor run of the
 * bench (the echo row's and those beside each scenario). Without floor runs of its own, a scenario
 * goes over the echo row's: the ratio of the medians.
 */
export function versusFloor(scenario: ScenarioResult, all: readonly ScenarioResult[], figure: Figure): Paired {
  const echo = all.find((candidate) => candidate.name === 'echo')!;
  const beside = scenario.floor?.[figure];
  if (!beside) return { floorRuns: echo[figure], ratios: runRatios(scenario[figure], echo[figure]), ratio: median(scenario[figure]) / median(echo[figure]) };
  if (figure === 'throughputRuns') {
    const ratios = runRatios(scenario[figure], beside);
    return { floorRuns: beside, ratios, ratio: median(ratios) };
  }
  const pooled = pooledFloorRuns(all, figure);
  const floor = median(pooled);
  return { floorRuns: pooled, ratios: scenario[figure].map((value) => value / floor), ratio: median(scenario[figure]) / floor };
}

/** Every floor run of a latency figure in the bench: the echo row's, then those beside each scenario in turn. */
export function pooledFloorRuns(all: readonly ScenarioResult[], figure: 'p50Runs' | 'p99Runs'): number[] {
  const echo = all.find((candidate) => candidate.name === 'echo')!;
  return [...echo[figure], ...all.flatMap((scenario) => scenario.floor?.[figure] ?? [])];
}

// ---- one scenario ----------------------------------------------------------------------------

export type Settings = { runs: number; runMs: number; warmupMs: number; concurrency: number; ratePerSecond: number };
export type Check = (replies: readonly { method: string; path: string; body: string }[], answer: string) => void;

export class Scenario {
  betweenRuns: () => Promise<void> = async () => undefined;
  /**
   * The echo floor, run just before each of this scenario's timed runs with this bot paused
   * (SIGSTOP: its delivery takes no CPU from the floor's run). A shared machine's speed drifts
   * over minutes; a ratio of runs taken side by side does not carry that drift.
   */
  floor: Scenario | undefined;
  /** Samples the floor's RSS during its runs beside this scenario's, so its peak is taken over as many runs as the product's. */
  floorMemory: MemorySampler | undefined;
  afterAll: (() => Promise<void>) | undefined;
  lastThroughputs: number[] = [];
  private readonly free: number[] = [];
  private slots = 0;

  constructor(
    readonly name: ScenarioName,
    private readonly bot: BotProcess,
    private readonly sink: ConnectorSink,
    /** One request acting as the user of `slot`; resolves with the bot's HTTP answer body. */
    private readonly send: (slot: number) => Promise<string>,
    /** The database server's main process, whose CPU counts with the bot's. */
    private readonly databasePid?: () => number | undefined,
  ) {}

  /** A request from whichever user is not busy: a user never has two turns in flight. */
  readonly request: Request = async () => {
    const slot = this.free.pop() ?? this.slots++;
    try {
      await this.send(slot);
    } finally {
      this.free.push(slot);
    }
  };

  /** One request with the sink recording, checked, so a broken scenario is never timed. */
  async probe(check: Check): Promise<void> {
    this.sink.capture(true);
    const answer = await this.send(this.slots++);
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      check(this.sink.captured(), answer);
    } catch (error) {
      throw new Error(`${this.name}: the probe turn did not answer as expected: ${(error as Error).message}`, { cause: error });
    } finally {
      this.sink.capture(false);
    }
  }

  /** Warm-up, then `runs` closed-loop runs: requests completed per second in each. */
  async throughput(
    settings: Settings,
    progress: (message: string) => void,
    memory?: MemorySampler,
  ): Promise<{
    throughputRuns: number[];
    floorRuns: number[];
    /** Steal in each of the floor's runs beside these, and in each of these. */
    floorSteal: number[];
    steal: number[];
    requests: number;
    errors: number;
    firstError?: string;
    cpu?: CpuPerRequest;
    statementsPerRequest: number;
  }> {
    // Every user the timed runs may need has had a turn already (chat recorded, email looked up).
    await Promise.all(Array.from({ length: WARM_SLOTS - this.slots }, () => this.request()));
    await closedLoop(this.request, settings.concurrency, settings.warmupMs);
    await this.betweenRuns();

    const throughputRuns: number[] = [];
    let requests = 0;
    let errors = 0;
    let firstError: string | undefined;
    const cpu = new CpuTally({ botPid: this.bot.pid, ...(this.databasePid ? { databasePid: this.databasePid } : {}) });
    let statements = 0;
    let completed = 0;
    const floorRuns: number[] = [];
    const floorSteal: number[] = [];
    const steal: number[] = [];
    for (let run = 0; run < settings.runs; run += 1) {
      const floorRun = await this.floorBeside((floor) => closedLoop(floor.request, settings.concurrency, settings.runMs));
      if (floorRun) {
        const { result: beside, steal: stolen } = floorRun;
        floorRuns.push(beside.perSecond);
        floorSteal.push(stolen);
        progress(`turns: ${this.name} closed loop ${run + 1}/${settings.runs}: echo floor beside it ${beside.perSecond.toFixed(0)}/s`);
      }
      memory?.start();
      cpu.start();
      const statementsBefore = await this.bot.statementsSent();
      const { result: closed, steal: stolen } = await withSteal(() => closedLoop(this.request, settings.concurrency, settings.runMs));
      steal.push(stolen);
      statements += (await this.bot.statementsSent()) - statementsBefore;
      completed += closed.requests;
      cpu.stop(closed.requests);
      memory?.stop();
      throughputRuns.push(closed.perSecond);
      requests += closed.requests + closed.errors;
      errors += closed.errors;
      firstError ??= closed.firstError;
      progress(
        `turns: ${this.name} closed loop ${run + 1}/${settings.runs}: ${closed.perSecond.toFixed(0)}/s (${closed.errors} errors${closed.firstError ? `, first: ${closed.firstError}` : ''})`,
      );
      await this.betweenRuns();
    }
    this.lastThroughputs = throughputRuns;
    const cpuPerRequest = cpu.result();
    return {
      throughputRuns,
      floorRuns,
      floorSteal,
      steal,
      requests,
      errors,
      ...(firstError ? { firstError } : {}),
      ...(cpuPerRequest ? { cpu: cpuPerRequest } : {}),
      statementsPerRequest: completed > 0 ? statements / completed : 0,
    };
  }

  /**
   * Runs `run` on the floor (none: undefined) with this scenario's bot paused, and its database
   * server's processes too: a fresh copy's autovacuum would otherwise run on the floor's time.
   */
  private async floorBeside<T>(run: (floor: Scenario) => Promise<T>): Promise<{ result: T; steal: number } | undefined> {
    const floor = this.floor;
    if (!floor) return undefined;
    const databasePid = this.databasePid?.();
    const database = databasePid === undefined ? [] : processTree(databasePid);
    this.bot.pause();
    for (const pid of database) signal(pid, 'SIGSTOP');
    this.floorMemory?.start();
    try {
      return await withSteal(() => run(floor));
    } finally {
      this.floorMemory?.stop();
      for (const pid of database) signal(pid, 'SIGCONT');
      this.bot.resume();
    }
  }

  async measure(settings: Settings, memory: MemorySampler, progress: (message: string) => void): Promise<ScenarioResult> {
    const closed = await this.throughput(settings, progress, memory);
    const { throughputRuns } = closed;
    const p50Runs: number[] = [];
    const p99Runs: number[] = [];
    let { requests, errors, firstError } = closed;
    let unfinished = 0;
    const loops: LoopFigures[] = [];
    let openStatements = 0;
    let openCompleted = 0;
    const floorP50Runs: number[] = [];
    const floorP99Runs: number[] = [];
    const floorSteal: StealRuns = { closed: closed.floorSteal, open: [] };
    const steal: StealRuns = { closed: closed.steal, open: [] };
    for (let run = 0; run < settings.runs; run += 1) {
      const floorRun = await this.floorBeside((floor) => openLoop(floor.request, settings.ratePerSecond, settings.runMs, { drainMs: OPEN_LOOP_DRAIN_MS }));
      if (floorRun) {
        const { result: beside, steal: stolen } = floorRun;
        floorSteal.open.push(stolen);
        floorP50Runs.push(beside.p50Ms);
        floorP99Runs.push(beside.p99Ms);
        progress(
          `turns: ${this.name} open loop ${run + 1}/${settings.runs}: echo floor beside it p50 ${beside.p50Ms.toFixed(2)} ms, p99 ${beside.p99Ms.toFixed(2)} ms`,
        );
      }
      memory.start();
      await this.bot.watchLoop();
      const statementsBefore = await this.bot.statementsSent();
      const { result: open, steal: stolen } = await withSteal(() =>
        openLoop(this.request, settings.ratePerSecond, settings.runMs, { drainMs: OPEN_LOOP_DRAIN_MS }),
      );
      steal.open.push(stolen);
      openStatements += (await this.bot.statementsSent()) - statementsBefore;
      openCompleted += open.requests;
      loops.push(await this.bot.loopFigures());
      unfinished += open.unfinished ?? 0;
      memory.stop();
      p50Runs.push(open.p50Ms);
      p99Runs.push(open.p99Ms);
      requests += open.requests + open.errors;
      errors += open.errors;
      firstError ??= open.firstError;
      progress(
        `turns: ${this.name} open loop ${run + 1}/${settings.runs}: p50 ${open.p50Ms.toFixed(2)} ms, p99 ${open.p99Ms.toFixed(2)} ms (${open.errors} errors, ${open.unfinished ?? 0} unfinished)${open.firstError ? `; first error: ${open.firstError}` : ''}`,
      );
      await this.betweenRuns();
    }
    const loop = combineLoopFigures(loops);
    const statements =
      closed.statementsPerRequest > 0 ? { closed: closed.statementsPerRequest, open: openCompleted > 0 ? openStatements / openCompleted : 0 } : undefined;
    return {
      name: this.name,
      label: LABELS[this.name],
      throughput: median(throughputRuns),
      throughputRuns,
      p50Ms: median(p50Runs),
      p99Ms: median(p99Runs),
      p50Runs,
      p99Runs,
      requests,
      errors,
      unfinished,
      ...(firstError ? { firstError } : {}),
      ...(closed.cpu ? { cpu: closed.cpu } : {}),
      ...(loop ? { loop, fullCollectionRuns: loops.map((watch) => watch.fullCollections) } : {}),
      ...(statements ? { statements } : {}),
      steal,
      ...(this.floor ? { floor: { throughputRuns: closed.floorRuns, p50Runs: floorP50Runs, p99Runs: floorP99Runs, steal: floorSteal } } : {}),
    };
  }
}

/** Sends `name` to `pid`; a process that ended meanwhile (a backend closing) is no matter. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

// ---- requests -------------------------------------------------------------------------------

/** A Teams activity from `user` in their personal chat, as the Bot Connector posts it. */
export function activity(sink: ConnectorSink, user: Actor, conversationId: string, type: string): Record<string, unknown> {
  return {
    type,
    id: `bench-${Math.random().toString(36).slice(2)}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: sink.url,
    from: { id: `29:${user.userId}`, name: user.displayName ?? user.userId, aadObjectId: user.userId },
    recipient: { id: '28:cpor-bot', name: 'CPOR Claims Assistant' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: user.tenantId },
    channelData: { tenant: { id: user.tenantId } },
    locale: 'en-US',
    entities: [{ type: 'clientInfo', locale: 'en-US', timezone: 'Europe/Madrid' }],
  };
}

export async function messageTurn(sink: ConnectorSink, url: string, user: Actor, conversationId: string, text: string, via?: http.Agent): Promise<string> {
  const status = await postJson(url, { ...activity(sink, user, conversationId, 'message'), text }, via);
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
  return '';
}

export async function approveInvoke(sink: ConnectorSink, url: string, user: Actor, claimId: string, version: number, via?: http.Agent): Promise<string> {
  const { status, text } = await postJsonForText(
    url,
    {
      ...activity(sink, user, `a:bench-approve-${user.userId}`, 'invoke'),
      name: 'adaptiveCard/action',
      // Teams sends the id of the message the card is in: the product updates that message too.
      replyToId: `card-${claimId}`,
      value: { action: { type: 'Action.Execute', id: 'approve', verb: 'approve', data: { claimId, version } }, trigger: 'manual' },
    },
    via,
  );
  if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text) as { statusCode?: number; type?: string; value?: unknown };
  if (answer.statusCode !== 200 || answer.type !== 'application/vnd.microsoft.card.adaptive') {
    throw new Error(`invoke answered ${answer.statusCode} ${answer.type}: ${text.slice(0, 200)}`);
  }
  return text;
}

/** Hands out each seeded claim once: an approve changes it for good. */
export class ClaimSupply {
  used = 0;
  failed = 0;
  private position: number;

  constructor(
    private readonly seeded: SeededClaims,
    from: number,
  ) {
    this.position = from;
  }

  next(): string {
    const id = this.seeded.ids[this.position];
    if (id === undefined) {
      this.failed += 1;
      throw new Error('no seeded claim left to approve');
    }
    this.position += 1;
    this.used += 1;
    return id;
  }
}

// ---- checks on the probe's replies --------------------------------------------------------------

const posts = (replies: readonly { method: string; body: string }[]) =>
  replies.filter((reply) => reply.method === 'POST' && reply.body.includes('"type":"message"'));

export function expectTextReply(text: string): Check {
  return (replies) => {
    if (!posts(replies).some((reply) => reply.body.includes(`"text":"${text}"`))) throw new Error(`no reply "${text}"`);
  };
}

function expectCardReply(mustContain?: string): Check {
  return (replies) => {
    const cards = posts(replies).filter((reply) => reply.body.includes('application/vnd.microsoft.card.adaptive'));
    if (cards.length === 0) throw new Error(`no card among ${replies.length} requests: ${replies.map((reply) => reply.body.slice(0, 200)).join(' | ')}`);
    if (mustContain && !cards.some((card) => card.body.includes(mustContain))) throw new Error(`no card shows ${mustContain}`);
  };
}

/** The invoke request itself checks its answer; nothing more is required of the replies. */
export const expectNothing: Check = () => undefined;

// ---- memory and the outbox ----------------------------------------------------------------------

export class MemorySampler {
  private readonly samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly bot: BotProcess) {}

  /** One sampler holding the samples of all of `samplers` (of one process, taken in different runs). */
  static together(samplers: readonly MemorySampler[]): MemorySampler {
    const joined = new MemorySampler(samplers[0]!.bot);
    for (const sampler of samplers) joined.samples.push(...sampler.samples);
    return joined;
  }

  sampled(): boolean {
    return this.samples.length > 0;
  }

  start(): void {
    this.timer = setInterval(() => void this.bot.rss().then((rss) => this.samples.push(rss)), RSS_SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  result(idleBytes: number): MemoryResult {
    return {
      idleBytes,
      loadPeakBytes: this.samples.length ? Math.max(...this.samples) : Number.NaN,
      loadMedianBytes: median(this.samples),
    };
  }
}

/**
 * What the process holds alive, read once its runs are over: RSS under load moves by tens of MB
 * from run to run with when V8 collects, the live heap does not, so a change to what the product
 * keeps shows here when the RSS row cannot tell it from noise.
 */
function liveHeapNote(memory: MemoryFigures): string {
  return `live heap after the runs ${megabytes(memory.heapUsed)} (after a full collection; the heap then ${megabytes(memory.heapTotal)}, RSS ${megabytes(memory.rss)})`;
}

/** RSS once start-up work (loading, first timers) has settled: the median of a few samples 250 ms apart. */
async function settledRss(bot: BotProcess): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const samples: number[] = [];
  for (let sample = 0; sample < 4; sample += 1) {
    samples.push(await bot.rss());
    await new Promise((resolve) => setTimeout(resolve, RSS_SAMPLE_MS));
  }
  return median(samples);
}

/** Bytes as the memory rows and notes show them (MiB). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}
