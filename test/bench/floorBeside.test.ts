import assert from 'node:assert/strict';
import { startBotProcess, type BotProcess } from '../../bench/support/botProcess.js';
import { startConnectorSink } from '../../bench/support/connectorSink.js';
import { benchPartner } from '../../bench/support/benchActors.js';
import { MemorySampler, messageTurn, versusFloor, type ScenarioResult } from '../../bench/turns.js';

// The turn bench pairs each product run with an echo floor run taken just before it, the product
// (and its database) paused meanwhile, so that a machine whose speed drifts over minutes does not
// move the ratios.

type FloorRuns = Omit<NonNullable<ScenarioResult['floor']>, 'steal'>;
const NO_STEAL = { closed: [], open: [] };

function result(name: ScenarioResult['name'], throughputRuns: number[], p99Runs: number[], floor?: FloorRuns): ScenarioResult {
  return {
    name,
    label: name,
    throughput: 0,
    throughputRuns,
    p50Ms: 0,
    p99Ms: 0,
    p50Runs: p99Runs.map((value) => value / 4),
    p99Runs,
    requests: 0,
    errors: 0,
    unfinished: 0,
    steal: NO_STEAL,
    ...(floor ? { floor: { ...floor, steal: NO_STEAL } } : {}),
  };
}

describe('bench: the echo floor beside each run', function () {
  this.timeout(60_000);

  it('pairs each throughput run with the floor run beside it, and the verdict is on the median of those ratios', () => {
    const echo = result('echo', [1000, 1000, 1000], [10, 10, 10]);
    // The machine slowed down between the echo row and this scenario, and again between its runs.
    const claim = result('claim', [300, 150, 60], [40, 90, 200], { throughputRuns: [500, 240, 100], p50Runs: [4, 8, 16], p99Runs: [12, 11, 90] });
    const throughput = versusFloor(claim, [echo, claim], 'throughputRuns');
    assert.deepEqual(throughput.floorRuns, [500, 240, 100]);
    assert.deepEqual(
      throughput.ratios.map((ratio) => ratio.toFixed(3)),
      ['0.600', '0.625', '0.600'],
    );
    assert.equal(throughput.ratio, 0.6);
    // Against the echo row's own runs the same scenario would read 0.15.
  });

  it("puts latencies over the median of every floor run of the bench, so one floor run's stall does not decide a verdict", () => {
    const echo = result('echo', [1000, 1000, 1000], [10, 12, 200]);
    const claim = result('claim', [300, 300, 300], [20, 24, 30], { throughputRuns: [500, 500, 500], p50Runs: [2, 2, 2], p99Runs: [150, 11, 13] });
    const approve = result('approve', [100, 100, 100], [40, 44, 48], { throughputRuns: [400, 400, 400], p50Runs: [2, 2, 2], p99Runs: [14, 9, 180] });
    const all = [echo, claim, approve];
    // Floor p99s 10, 12, 200, 150, 11, 13, 14, 9, 180: median 13 (paired run by run, claim would read 0.13, 2.18, 2.31).
    const p99 = versusFloor(claim, all, 'p99Runs');
    assert.deepEqual(p99.floorRuns, [10, 12, 200, 150, 11, 13, 14, 9, 180]);
    assert.equal(p99.ratio, 24 / 13);
    assert.deepEqual(p99.ratios, [20 / 13, 24 / 13, 30 / 13]);
    assert.equal(versusFloor(approve, all, 'p99Runs').ratio, 44 / 13);
  });

  it('falls back to the echo row for a scenario without floor runs: the ratio of the medians', () => {
    const echo = result('echo', [1000, 800, 900], [10, 12, 11]);
    const dialog = result('dialog', [450, 500, 300], [30, 20, 40]);
    const throughput = versusFloor(dialog, [echo, dialog], 'throughputRuns');
    assert.deepEqual(throughput.floorRuns, [1000, 800, 900]);
    assert.equal(throughput.ratio, 450 / 900);
    assert.deepEqual(throughput.ratios, [0.45, 0.625, 300 / 900]);
    assert.equal(versusFloor(dialog, [echo, dialog], 'p99Runs').ratio, 30 / 11);
  });

  describe('pausing what is not measured', function () {
    it('pauses a bot process, which answers nothing until it is resumed', async () => {
      const sink = await startConnectorSink();
      const echo = await startBotProcess('echo');
      try {
        await messageTurn(sink, echo.url, benchPartner(0), 'a:pause-0', 'hello');
        echo.pause();
        let answered = false;
        const turn = messageTurn(sink, echo.url, benchPartner(1), 'a:pause-1', 'hello').then(() => {
          answered = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal(answered, false, 'a paused bot answered');
        echo.resume();
        await turn;
        assert.equal(answered, true);
      } finally {
        echo.resume();
        await echo.stop();
        await sink.close();
      }
    });

    it('stops a bot that is still paused', async () => {
      const echo = await startBotProcess('echo');
      echo.pause();
      try {
        const stopped = await Promise.race([echo.stop().then(() => true), new Promise((resolve) => setTimeout(resolve, 10_000, false))]);
        assert.equal(stopped, true, 'the paused bot did not stop within 10 s');
        assert.throws(() => process.kill(echo.pid, 0), /ESRCH/);
      } finally {
        // Left stopped, it would hold this run's output open.
        try {
          process.kill(echo.pid, 'SIGKILL');
          process.kill(echo.pid, 'SIGCONT');
        } catch {
          // Ended, as it should have.
        }
      }
    });
  });
});

describe('bench: the echo floor RSS over all of its runs', () => {
  it('joins the samples of the floor taken in its own runs and beside the product runs: the peak of all, the median of all', async () => {
    let rss = 100;
    const bot = { rss: async () => rss } as unknown as BotProcess;
    const sampledFor = async (sampler: MemorySampler, bytes: number) => {
      rss = bytes;
      sampler.start();
      await new Promise((resolve) => setTimeout(resolve, 600));
      sampler.stop();
    };
    const own = new MemorySampler(bot);
    const beside = new MemorySampler(bot);
    assert.equal(beside.sampled(), false);
    await sampledFor(own, 300);
    await sampledFor(beside, 500);
    assert.equal(beside.sampled(), true);
    assert.equal(own.result(100).loadPeakBytes, 300);
    const all = MemorySampler.together([own, beside]).result(100);
    assert.equal(all.loadPeakBytes, 500);
    assert.equal(all.idleBytes, 100);
    assert.ok(all.loadMedianBytes >= 300 && all.loadMedianBytes <= 500);
    assert.equal(own.result(100).loadPeakBytes, 300, 'the samplers joined are left as they were');
  });
});
