import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { combineLoopFigures, describeLoop, LoopWatch, type LoopFigures } from '../../bench/support/loopWatch.js';
import { startBotProcess } from '../../bench/support/botProcess.js';
import { startConnectorSink } from '../../bench/support/connectorSink.js';
import { benchPartner } from '../../bench/support/benchActors.js';
import { messageTurn } from '../../bench/turns.js';

// The bench's event-loop figures: what the turn notes say about how busy each bot was.

/** Keeps the loop running callbacks for `ms`: spins in slices, with a turn of the loop between them. */
async function keepBusy(ms: number, sliceMs: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const sliceEnd = Math.min(end, performance.now() + sliceMs);
    while (performance.now() < sliceEnd);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bench event-loop figures (loopWatch)', function () {
  this.timeout(60_000);

  it('reads a loop kept running as busy and late, and a waiting loop as neither', async () => {
    const watch = new LoopWatch();
    watch.start();
    await keepBusy(400, 40);
    const busy = watch.stop();

    watch.start();
    await idle(400);
    const waiting = watch.stop();

    assert.ok(busy.busyShare > 0.8, `busy loop read ${busy.busyShare}`);
    assert.ok(busy.lateMaxMs >= 25, `40 ms slices made timers late by only ${busy.lateMaxMs} ms`);
    assert.ok(waiting.busyShare < 0.3, `waiting loop read ${waiting.busyShare}`);
    assert.ok(waiting.watchedMs >= 390, `watched ${waiting.watchedMs} ms`);
  });

  it('counts garbage-collection pauses while watching, and none from before', async () => {
    const watch = new LoopWatch();
    let kept: unknown[] = [];
    watch.start();
    // Short-lived objects in bulk: the young generation fills and is collected again and again.
    for (let round = 0; round < 200; round += 1) {
      kept = Array.from({ length: 20_000 }, (_, index) => ({ index, text: `item ${index}` }));
    }
    await idle(50);
    const collecting = watch.stop();
    assert.ok(kept.length > 0);
    assert.ok(collecting.gcShare > 0 && collecting.longestGcMs > 0, JSON.stringify(collecting));

    // Started and stopped in the same turn: no pause can fall in between, so any counted came from before.
    watch.start();
    const none = watch.stop();
    assert.equal(none.longestGcMs, 0, 'pauses before start() are not counted');
    assert.equal(none.gcShare, 0);
  });

  it('counts the full collections that ended while watching, and not the young ones', async () => {
    // A full collection on demand, as --expose-gc gives it, without starting mocha with that flag.
    setFlagsFromString('--expose-gc');
    const collectFully = runInNewContext('gc') as () => void;
    const watch = new LoopWatch();
    collectFully();
    watch.start();
    collectFully();
    collectFully();
    await idle(50);
    const twice = watch.stop();
    assert.equal(twice.fullCollections, 2, JSON.stringify(twice));

    watch.start();
    // Short-lived objects only: scavenges, which are not full collections.
    let kept: unknown[] = [];
    for (let round = 0; round < 50; round += 1) kept = Array.from({ length: 20_000 }, (_, index) => ({ index }));
    await idle(50);
    const young = watch.stop();
    assert.ok(kept.length > 0 && young.longestGcMs > 0, JSON.stringify(young));
    assert.equal(young.fullCollections, 0, JSON.stringify(young));
  });

  it('combines runs weighted by the time each watched, keeping the worst pauses and lateness', () => {
    const run = (watchedMs: number, busyShare: number, longestGcMs: number, lateP99Ms: number): LoopFigures => ({
      watchedMs,
      busyShare,
      gcShare: busyShare / 10,
      longestGcMs,
      fullCollections: longestGcMs > 10 ? 2 : 1,
      lateP99Ms,
      lateMaxMs: lateP99Ms * 2,
    });
    const combined = combineLoopFigures([run(1000, 0.9, 4, 3), run(3000, 0.5, 12, 1)]);
    assert.ok(combined);
    assert.equal(combined.watchedMs, 4000);
    assert.ok(Math.abs(combined.busyShare - 0.6) < 1e-9);
    assert.ok(Math.abs(combined.gcShare - 0.06) < 1e-9);
    assert.equal(combined.longestGcMs, 12);
    assert.equal(combined.fullCollections, 3);
    assert.equal(combined.lateP99Ms, 3);
    assert.equal(combined.lateMaxMs, 6);
    assert.equal(combineLoopFigures([]), undefined);
    assert.equal(
      describeLoop(combined),
      'busy 0.60 of the time, 6.0% in GC pauses (longest 12 ms), 3 full collections; timers late by 3 ms at p99 (at most 6 ms)',
    );
  });

  it('reads the bot process it watches, over IPC', async () => {
    const sink = await startConnectorSink();
    const echo = await startBotProcess('echo');
    try {
      await echo.watchLoop();
      for (let turn = 0; turn < 200; turn += 1) await messageTurn(sink, echo.url, benchPartner(turn % 5), `a:loop-${turn % 5}`, 'hello');
      const loaded = await echo.loopFigures();
      await echo.watchLoop();
      await idle(300);
      const quiet = await echo.loopFigures();
      assert.ok(loaded.watchedMs > 0 && loaded.busyShare > quiet.busyShare, `200 turns: ${JSON.stringify(loaded)}; none: ${JSON.stringify(quiet)}`);
      assert.ok(quiet.watchedMs >= 290, `watched ${quiet.watchedMs} ms`);
    } finally {
      await echo.stop();
      await sink.close();
    }
  });
});
