import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import pg from 'pg';
import { CpuTally, describeCpu, machineTicks, processCpuMs, processTree, processTreeCpuMs, stolenShare } from '../../bench/support/cpuShare.js';
import { clusterOrSkip } from '../support/postgresCluster.js';

// The bench's CPU split reads /proc: a shell that starts a busy node and waits for it stands for
// the database server and its backends.

/** Burns `ms` of its own CPU time (not wall time: the clock may be shifted), then prints "done". */
const BURN = (ms: number) => `const end = ${ms * 1000}; while (process.cpuUsage().user < end); console.log('done');`;

function shellRunning(script: string): ChildProcess {
  // Its own process group, so that the test can end the shell and whatever it started at once.
  return spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
}

async function untilPrinted(child: ChildProcess, text: string): Promise<void> {
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    if (output.includes(text)) return;
  }
  throw new Error(`exited before printing ${text}`);
}

describe('bench CPU split (/proc)', function () {
  before(function () {
    if (!existsSync('/proc/self/stat')) this.skip();
  });

  let shell: ChildProcess | undefined;
  afterEach(async () => {
    if (shell && shell.exitCode === null) {
      const exited = once(shell, 'exit');
      process.kill(-shell.pid!, 'SIGKILL');
      await exited;
    }
    shell = undefined;
  });

  it('lists a process and its descendants, the root first, as the database server and its backends the bench pauses', async () => {
    // A shell standing for the server, with a child that has a child of its own.
    shell = shellRunning('sh -c "sleep 30 & wait" & echo started; wait');
    await untilPrinted(shell, 'started');
    let tree: number[] = [];
    // The grandchild may take a moment to be forked.
    for (let attempt = 0; attempt < 50 && tree.length < 3; attempt += 1) {
      tree = processTree(shell.pid!);
      if (tree.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(tree[0], shell.pid);
    assert.equal(tree.length, 3, `tree ${tree.join(', ')}`);
    assert.equal(new Set(tree).size, 3);
  });

  it('counts a process tree with the children it has waited for, and a process alone without them', async () => {
    // The shell waits for the busy node, says so, and stays: the node's time is then in the shell's reaped times.
    shell = shellRunning(`${process.execPath} -e "${BURN(300)}"; echo reaped; sleep 30`);
    await untilPrinted(shell, 'reaped');
    const tree = processTreeCpuMs(shell.pid!);
    const own = processCpuMs(shell.pid!);
    assert.ok(tree !== undefined && tree >= 300, `the tree used ${tree} ms`);
    assert.ok(own !== undefined && own < 100, `the shell itself used ${own} ms`);
  });

  it('counts a child still running under the process it was started by', async () => {
    // Another command after it, so the shell cannot hand its own process over to node.
    shell = shellRunning(`${process.execPath} -e "${BURN(300)} setTimeout(() => {}, 30000);"; echo exited`);
    await untilPrinted(shell, 'done');
    const tree = processTreeCpuMs(shell.pid!);
    assert.ok(tree !== undefined && tree >= 300, `the tree used ${tree} ms`);
    assert.ok(processCpuMs(shell.pid!)! < 100);
  });

  it('answers undefined for a process that is not running', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    assert.equal(processCpuMs(child.pid!), undefined);
    assert.equal(processTreeCpuMs(child.pid!), undefined);
  });

  it('tallies CPU a request over the runs, the database apart, and says it in the notes', async () => {
    shell = shellRunning(`${process.execPath} -e "${BURN(400)} setTimeout(() => {}, 30000);"; echo exited`);
    const tally = new CpuTally({ botPid: process.pid, databasePid: () => shell?.pid });
    tally.start();
    await untilPrinted(shell, 'done');
    const end = process.cpuUsage().user + 200_000;
    while (process.cpuUsage().user < end);
    tally.stop(100);

    const cpu = tally.result()!;
    // This process is both the "bot" and the bench here: 200 ms over 100 requests, at least.
    assert.ok(cpu.botMs >= 2 && cpu.benchMs >= 2, JSON.stringify(cpu));
    assert.ok(cpu.databaseMs !== undefined && cpu.databaseMs >= 3.5, JSON.stringify(cpu));
    assert.ok(cpu.coresBusy > 0);
    assert.match(describeCpu(cpu), /^bot \d+\.\d\d ms, database \d+\.\d\d ms, bench process \d+\.\d\d ms a request; \d+\.\d\d of \d+ cores busy$/);
  });

  it("reads the test PostgreSQL server's CPU, its backends' work included", async function () {
    const cluster = await clusterOrSkip(this, 'the database part of the CPU split');
    const serverPid = cluster.serverPid();
    assert.ok(serverPid !== undefined);
    const client = new pg.Client({ connectionString: await cluster.createDatabase('cpor_cpu_share') });
    await client.connect();
    const before = processTreeCpuMs(serverPid)!;
    let after: number;
    try {
      // Work only a backend does: about a second of the server's CPU.
      await client.query('SELECT count(*) FROM generate_series(1, 5000000) AS n WHERE n % 7 = 3');
      // Read while the backend lives: once disconnected, its time reaches the server's only when
      // the server has reaped it, which may be after `end` resolves.
      after = processTreeCpuMs(serverPid)!;
    } finally {
      await client.end();
    }
    assert.ok(after - before >= 100, `the server used ${after - before} ms`);
  });

  it('counts nothing for runs it could not read, and has no figure without a request', () => {
    // Above Linux's largest process id.
    const gone = new CpuTally({ botPid: 2 ** 22 + 1 });
    gone.start();
    gone.stop(50);
    assert.equal(gone.result(), undefined);
    assert.equal(new CpuTally({ botPid: process.pid }).result(), undefined);
  });
  it("reads the machine's CPU time and its steal, which grow, steal within the total", async () => {
    const before = machineTicks()!;
    // Half a second of this process's CPU: the machine's total moves by at least that.
    const end = process.cpuUsage().user + 500_000;
    while (process.cpuUsage().user < end);
    const after = machineTicks()!;
    assert.ok(Number.isFinite(before.totalTicks) && Number.isFinite(before.stealTicks));
    assert.ok(before.stealTicks >= 0 && before.stealTicks <= before.totalTicks);
    assert.ok(after.totalTicks - before.totalTicks >= 40, `total moved by ${after.totalTicks - before.totalTicks} ticks`);
    assert.ok(after.stealTicks >= before.stealTicks);
    const share = stolenShare(before, after)!;
    assert.ok(share >= 0 && share <= 1, `steal share ${share}`);
  });

  it('gives the share of the time between two readings that was stolen, and nothing without two readings that moved', () => {
    assert.equal(stolenShare({ totalTicks: 1000, stealTicks: 10 }, { totalTicks: 1400, stealTicks: 110 }), 0.25);
    assert.equal(stolenShare({ totalTicks: 1000, stealTicks: 10 }, { totalTicks: 1000, stealTicks: 10 }), undefined);
    assert.equal(stolenShare(undefined, { totalTicks: 1400, stealTicks: 110 }), undefined);
  });
});
