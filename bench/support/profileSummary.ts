import { readdir, readFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BOTS_BUILD_DIR } from './compiledBots.js';

// What dominates a CPU profile (.cpuprofile, as `node --cpu-prof` or the inspector writes it):
// self time per function and per area (a package under node_modules, a folder of this project,
// or node's own internals), and total (inclusive) time for the project's functions.
//
//   npx tsx bench/support/profileSummary.ts <file.cpuprofile | folder> [top]

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Share {
  key: string;
  ms: number;
}

export function summarizeProfile(profile: CpuProfile, top = 15): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfMs = new Map<number, number>();
  let stoppedMs = 0;
  for (const { node, ms, stopped } of sampleTimes(profile)) {
    if (stopped) stoppedMs += ms;
    else selfMs.set(node, (selfMs.get(node) ?? 0) + ms);
  }
  const totalMs = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0);
  const idleMs = [...selfMs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
  const busyMs = totalMs - idleMs;

  const perFunction = new Map<string, number>();
  const perArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    add(perFunction, functionKey(node), ms);
    add(perArea, areaOf(node.callFrame.url, node.callFrame.functionName), ms);
    // Inclusive time for project code: every distinct project frame on the stack gets the sample.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (!frame || !isProjectUrl(frame.callFrame.url)) continue;
      const key = functionKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, ms);
    }
  }

  const percent = (ms: number) => `${((100 * ms) / (busyMs || 1)).toFixed(1).padStart(5)}%`;
  const list = (title: string, map: Map<string, number>) =>
    [
      title,
      ...sorted(map)
        .slice(0, top)
        .map((share) => `  ${percent(share.ms)} ${share.ms.toFixed(0).padStart(7)} ms  ${share.key}`),
    ].join('\n');
  return [
    `profile: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy (${((100 * busyMs) / (totalMs || 1)).toFixed(0)}%)` +
      `${stoppedMs > 0 ? `, ${(stoppedMs / 1000).toFixed(1)} s stopped (left out)` : ''}; shares are of busy time`,
    list('self time by area:', perArea),
    list('self time by function:', perFunction),
    list('total time of project functions (inclusive):', inclusive),
  ].join('\n');
}

/** Sampled time not spent idle, in ms. */
export function busyMsOf(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  let busy = 0;
  for (const { node, ms, stopped } of sampleTimes(profile)) if (!stopped && !idle.has(node)) busy += ms;
  return busy;
}

/**
 * A gap between samples longer than this is a process that did not run: the bench stops the bot
 * (SIGSTOP) while the floor's run beside it is timed, and the profiler's thread stops with it. The
 * sample before such a gap would otherwise be charged seconds (samples come every 1 ms or less).
 */
const STOPPED_GAP_MS = 100;

/** Each sample's node and its time (the delta to the next sample), and whether that time was a stop. */
function* sampleTimes(profile: CpuProfile): Generator<{ node: number; ms: number; stopped: boolean }> {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index += 1) {
    const ms = (deltas[index + 1] ?? 0) / 1000;
    yield { node: samples[index]!, ms, stopped: ms > STOPPED_GAP_MS };
  }
}

/** Runs `work` under the inspector's CPU profiler (this process) and returns its result and profile. */
export async function profileInProcess<T>(work: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** Reads every .cpuprofile in a folder (or one file). */
export async function readProfiles(path: string): Promise<{ file: string; profile: CpuProfile }[]> {
  const files = path.endsWith('.cpuprofile') ? [path] : (await readdir(path)).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(path, name));
  return Promise.all(files.map(async (file) => ({ file, profile: JSON.parse(await readFile(file, 'utf8')) as CpuProfile })));
}

function functionKey(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)';
  return `${functionName || '(anonymous)'}  ${where}`;
}

/** The file a profiled frame ran, a compiled bot's module named as its source's place in the project (compiledBots.ts). */
function pathOf(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(`${BOTS_BUILD_DIR}/`) ? join(ROOT, relative(BOTS_BUILD_DIR, path)) : path;
}

function shortUrl(url: string): string {
  const path = pathOf(url);
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

function isProjectUrl(url: string): boolean {
  if (!url.startsWith('file://')) return false;
  const path = pathOf(url);
  return path.startsWith(ROOT) && !path.includes('/node_modules/');
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = pathOf(url);
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? path);
  }
  if (path.startsWith(ROOT)) return `${relative(ROOT, path).split('/')[0] ?? ''}/ (project)`;
  return path;
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function sorted(map: Map<string, number>): Share[] {
  return [...map].map(([key, ms]) => ({ key, ms })).sort((a, b) => b.ms - a.ms);
}

const executedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

if (executedDirectly) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: npx tsx bench/support/profileSummary.ts <file.cpuprofile | folder> [top]');
    process.exitCode = 2;
  } else {
    for (const { file, profile } of await readProfiles(target)) {
      console.log(`== ${file}\n${summarizeProfile(profile, Number(process.argv[3] ?? 15))}\n`);
    }
  }
}
