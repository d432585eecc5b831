import assert from 'node:assert/strict';

// Teams' per-conversation limits, written out here rather than taken from the product, and the
// check every delivery test makes against the arrival times a stand-in connector recorded.

export const TEAMS_WINDOWS = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
] as const;

/** The most requests any sliding window of `windowMs` holds, by arrival time. */
export function worstWindow(requests: ReadonlyArray<{ at: number }>, windowMs: number): number {
  const stamps = requests.map((request) => request.at).sort((a, b) => a - b);
  let worst = 0;
  let start = 0;
  for (let end = 0; end < stamps.length; end += 1) {
    while (stamps[end]! - stamps[start]! >= windowMs) start += 1;
    worst = Math.max(worst, end - start + 1);
  }
  return worst;
}

/** Fails when any of Teams' windows held more arrivals than its limit. */
export function assertWithinTeamsWindows(requests: ReadonlyArray<{ at: number }>, label: string): void {
  for (const { limit, windowMs } of TEAMS_WINDOWS) {
    const worst = worstWindow(requests, windowMs);
    assert.ok(worst <= limit, `${label}: ${worst} requests within ${windowMs} ms (limit ${limit})`);
  }
}
