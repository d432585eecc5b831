import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// What the bot loads stays in its heap for its life. On embedded defaults (files engine, roster
// directory) it loads neither node-postgres nor the Graph SDK (0.8 MB of heap it would not use),
// and no package twice: botbuilder requires its packages as CommonJS, and an import of one of
// them that has an ES module build loads that build beside it (@azure/identity's was 3.7 MB).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = join(ROOT, 'test', 'support', 'loadedPackagesChild.ts');

/** The npm packages the app has loaded once started on embedded defaults (no configuration). */
async function packagesLoadedOnEmbeddedDefaults(): Promise<{ commonJs: string[]; esModules: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-footprint-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--no-deprecation', '--import', 'tsx', CHILD, dataDir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { commonJs: string[]; esModules: string[] };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('what the bot loads', function () {
  this.timeout(90_000);

  it('loads neither the PostgreSQL driver nor the Graph client on embedded defaults, and no package twice', async () => {
    const { commonJs, esModules } = await packagesLoadedOnEmbeddedDefaults();
    assert.ok(commonJs.includes('botbuilder') && esModules.includes('zod'), `both kinds are seen: ${[...commonJs, ...esModules].join(', ')}`);
    const loaded = [...commonJs, ...esModules];
    assert.ok(!loaded.includes('pg'), 'node-postgres is loaded');
    assert.ok(!loaded.includes('@microsoft/microsoft-graph-client'), 'the Graph client is loaded');
    assert.deepEqual(
      esModules.filter((name) => commonJs.includes(name)),
      [],
      'packages loaded both as CommonJS and as ES modules',
    );
  });
});
