import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.js';
import { freePort } from '../support/freePort.js';

// The production start: `npm run build` compiles the product to JavaScript and `node
// dist/bot/index.js` runs it without tsx. Built into test-output/ (inside the project, so the
// compiled modules find node_modules), started on a free port, asked over HTTP, stopped.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('production build (npm run build, npm run start:prod)', function () {
  this.timeout(120_000);
  const outDir = join(ROOT, 'test-output', `dist-${process.pid}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cpor-prod-'));
  // Built once: both tests read the same output, so either runs alone (--grep).
  before(() => build(outDir));
  after(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('compiles, starts with node alone, answers, validates and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(outDir, 'bot', 'index.js')], {
      env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('listening on')) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`the compiled bot did not start:\n${output}`);
        await new Promise((done) => setTimeout(done, 50));
      }
      assert.match(output, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}/api/messages`));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const malformed = await fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"no type"}',
      });
      assert.equal(malformed.status, 400, 'the compiled edge validates activities');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `a clean stop:\n${output}`);
  });

  // The PostgreSQL engine reads its migrations next to its compiled module (STORE=postgres).
  it('carries the PostgreSQL migrations', () => {
    const migrations = join('storage', 'postgres', 'migrations');
    const sources = readdirSync(join(ROOT, migrations));
    assert.ok(sources.length > 0);
    assert.deepEqual(readdirSync(join(outDir, migrations)), sources);
  });
});
