import assert from 'node:assert/strict';
import { busyMsOf, summarizeProfile, type CpuProfile } from '../../bench/support/profileSummary.js';

// The bench's CPU profile summaries (BENCH_PROFILE=1, and the closing notes' "profile before and
// after"): the bot is stopped (SIGSTOP) while the floor's run beside it is timed, and the sample
// taken just before a stop must not be charged the seconds the process did not run.

const frame = (id: number, functionName: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url: '', lineNumber: 0, columnNumber: 0 },
  children,
});

/** root → work, other, (idle); samples 1 ms apart, but a 5 s stop after the second `work`. */
function profileWithStop(): CpuProfile {
  const micros = (ms: number) => ms * 1000;
  return {
    nodes: [frame(1, '(root)', [2, 3, 4]), frame(2, 'work'), frame(3, 'other'), frame(4, '(idle)')],
    startTime: 0,
    endTime: micros(5_006),
    samples: [2, 2, 3, 4, 2, 4],
    // Each delta is the time since the sample before: the stop comes right after the second sample.
    timeDeltas: [0, micros(1), micros(5_000), micros(1), micros(1), micros(1)],
  };
}

describe('bench CPU profile summaries (profileSummary)', () => {
  it('leaves out the time a stopped process did not run, and says how long it was', () => {
    const profile = profileWithStop();
    // Busy: work 1 ms (its first sample) + other 1 ms + work 1 ms; the second work sample's 5 s are the stop.
    assert.equal(busyMsOf(profile), 3);
    const summary = summarizeProfile(profile);
    assert.match(summary, /^profile: 0\.0 s sampled, 0\.0 s busy \(\d+%\), 5\.0 s stopped \(left out\); shares are of busy time/);
    assert.match(summary, / 66\.7%\s+2 ms {2}work/);
    assert.match(summary, / 33\.3%\s+1 ms {2}other/);
  });

  it('counts every sample of a profile that was never stopped', () => {
    const profile = { ...profileWithStop(), timeDeltas: [0, 1000, 1000, 1000, 1000, 1000] };
    assert.equal(busyMsOf(profile), 4);
    assert.doesNotMatch(summarizeProfile(profile), /stopped/);
  });
});
