import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// Where a closed loop's CPU goes: the bot's process, the database server's processes and this
// process (the load and the connector stand-in), read from /proc (Linux) before and after each
// run. The bench shares one machine between all three, so a turn's cost to the machine is their
// sum, and a row can only reach what the cores left by the others allow.

/** Linux reports process times in USER_HZ ticks, 100 a second on every ABI Node runs on. */
const MS_PER_TICK = 10;

interface ProcessTimes {
  parentPid: number;
  /** User and system time of all the process's threads. */
  ownMs: number;
  /** Of its children it has waited for (and theirs, as they waited). */
  reapedMs: number;
}

function timesOf(pid: number): ProcessTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After "pid (comm) ": state, ppid, ... utime (14th field), stime, cutime, cstime. The name may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (index: number) => Number(fields[index]) * MS_PER_TICK;
  return { parentPid: Number(fields[1]), ownMs: ticks(11) + ticks(12), reapedMs: ticks(13) + ticks(14) };
}

/** CPU time used so far by one process (all its threads), or undefined when it is not running. */
export function processCpuMs(pid: number): number | undefined {
  return timesOf(pid)?.ownMs;
}

/**
 * CPU time used so far by a process and all its descendants, those still running and those that
 * ended (a PostgreSQL server's backends come and go with connections). Each ended process is
 * counted once: in the times of the process that waited for it.
 */
export function processTreeCpuMs(rootPid: number): number | undefined {
  const root = timesOf(rootPid);
  if (!root) return undefined;
  let total = 0;
  for (const pid of processTree(rootPid)) {
    const times = pid === rootPid ? root : timesOf(pid);
    if (times) total += times.ownMs + times.reapedMs;
  }
  return total;
}

/** A process and its descendants running now, the root first. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const parentPid = timesOf(pid)?.parentPid;
    if (parentPid === undefined) continue;
    children.set(parentPid, [...(children.get(parentPid) ?? []), pid]);
  }
  const tree: number[] = [];
  const pending = [rootPid];
  for (let pid = pending.shift(); pid !== undefined; pid = pending.shift()) {
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The machine's CPU time so far (all cores, every state) and the part of it the hypervisor gave to other guests ("steal"). */
export interface MachineTicks {
  totalTicks: number;
  stealTicks: number;
}

/** From /proc/stat's first line; undefined where there is none. */
export function machineTicks(): MachineTicks | undefined {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  } catch {
    return undefined;
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is inside user time.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { totalTicks: ticks.reduce((sum, value) => sum + value, 0), stealTicks: ticks[7] ?? 0 };
}

/** The share of the cores' time between two readings that the hypervisor gave to other guests: a shared machine's slow spells. */
export function stolenShare(before: MachineTicks | undefined, after: MachineTicks | undefined): number | undefined {
  if (!before || !after || after.totalTicks <= before.totalTicks) return undefined;
  return (after.stealTicks - before.stealTicks) / (after.totalTicks - before.totalTicks);
}

export interface CpuSources {
  botPid: number;
  /** The database server's main process, when the scenario has one. */
  databasePid?: () => number | undefined;
}

interface CpuReading {
  botMs: number;
  databaseMs?: number;
  benchMs: number;
  atMs: number;
}

export interface CpuPerRequest {
  botMs: number;
  databaseMs?: number;
  /** This process: the load generator and the stand-in connector. */
  benchMs: number;
  /** The three together over the runs' wall time, in cores. */
  coresBusy: number;
  cores: number;
}

/** Adds up the CPU of the processes a scenario runs on over its timed runs. */
export class CpuTally {
  private botMs = 0;
  private databaseMs: number | undefined;
  private benchMs = 0;
  private wallMs = 0;
  private requests = 0;
  private started: CpuReading | undefined;

  constructor(private readonly sources: CpuSources) {}

  start(): void {
    this.started = this.read();
  }

  /** Ends a run of `requests` completed requests; a run whose processes could not be read counts nothing. */
  stop(requests: number): void {
    const before = this.started;
    const after = this.read();
    this.started = undefined;
    if (!before || !after) return;
    this.botMs += after.botMs - before.botMs;
    if (before.databaseMs !== undefined && after.databaseMs !== undefined) this.databaseMs = (this.databaseMs ?? 0) + after.databaseMs - before.databaseMs;
    this.benchMs += after.benchMs - before.benchMs;
    this.wallMs += after.atMs - before.atMs;
    this.requests += requests;
  }

  result(): CpuPerRequest | undefined {
    if (this.requests === 0 || this.wallMs === 0) return undefined;
    const perRequest = (ms: number) => ms / this.requests;
    return {
      botMs: perRequest(this.botMs),
      ...(this.databaseMs === undefined ? {} : { databaseMs: perRequest(this.databaseMs) }),
      benchMs: perRequest(this.benchMs),
      coresBusy: (this.botMs + (this.databaseMs ?? 0) + this.benchMs) / this.wallMs,
      cores: availableParallelism(),
    };
  }

  private read(): CpuReading | undefined {
    const botMs = processCpuMs(this.sources.botPid);
    if (botMs === undefined) return undefined;
    const databasePid = this.sources.databasePid?.();
    const databaseMs = databasePid === undefined ? undefined : processTreeCpuMs(databasePid);
    const { user, system } = process.cpuUsage();
    return { botMs, ...(databaseMs === undefined ? {} : { databaseMs }), benchMs: (user + system) / 1000, atMs: performance.now() };
  }
}

/** "bot 4.8 ms, database 2.1 ms, bench process 0.8 ms a request; 1.6 of 2 cores busy" */
export function describeCpu(cpu: CpuPerRequest): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const parts = [`bot ${ms(cpu.botMs)}`, ...(cpu.databaseMs === undefined ? [] : [`database ${ms(cpu.databaseMs)}`]), `bench process ${ms(cpu.benchMs)}`];
  return `${parts.join(', ')} a request; ${cpu.coresBusy.toFixed(2)} of ${cpu.cores} cores busy`;
}
