import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { e2ePerTest, PARTNER, REVIEWER } from './support/e2eApp.js';
import { walkCreateClaim } from './support/journey.js';

// Issue 16, finding 5: what the bot keeps under DATA_DIR (claims, PoE, roster, bot state,
// conversation references, delivery journal, consent secret) is readable by its own user only,
// and a DATA_DIR an earlier version left open is tightened at start.

/** Every file and folder under `root` (root included) with its permission bits. */
async function modesUnder(root: string): Promise<Array<{ path: string; mode: number; folder: boolean }>> {
  const found = [{ path: root, mode: (await lstat(root)).mode & 0o777, folder: true }];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const stats = await lstat(path);
    found.push({ path: path.slice(root.length) || '/', mode: stats.mode & 0o777, folder: stats.isDirectory() });
  }
  return found;
}

function assertPrivate(entries: Array<{ path: string; mode: number; folder: boolean }>): void {
  const open = entries.filter((entry) => entry.mode !== (entry.folder ? 0o700 : 0o600));
  assert.deepEqual(
    open.map((entry) => `${entry.path} ${entry.mode.toString(8)}`),
    [],
  );
}

describe('e2e: DATA_DIR is private to the bot (issue 16)', function () {
  this.timeout(30_000);
  const apps = e2ePerTest();

  it('files 0600 and folders 0700 for everything a journey writes', async () => {
    const e2e = await apps.start();
    const journey = await walkCreateClaim(e2e, PARTNER, 'submitted');
    await e2e.say(REVIEWER, `claim ${journey.claimId}`);
    await e2e.quiet();
    const entries = await modesUnder(e2e.dataDir);
    for (const expected of ['/claims', '/poe', '/roster.jsonl', '/consent']) {
      assert.ok(
        entries.some((entry) => entry.path.startsWith(expected)),
        `${expected} was written`,
      );
    }
    assert.ok(
      entries.some((entry) => entry.path.startsWith('/poe/') && !entry.folder),
      'a PoE file was stored',
    );
    assertPrivate(entries);
  });

  it('tightens a DATA_DIR left readable by an earlier version, at start', async () => {
    const e2e = await apps.start();
    await e2e.app.stop();
    await mkdir(join(e2e.dataDir, 'poe', 'CPOR-2026-000001'), { recursive: true, mode: 0o755 });
    await writeFile(join(e2e.dataDir, 'poe', 'CPOR-2026-000001', 'old.pdf'), '%PDF-1.4', { mode: 0o644 });
    await chmod(join(e2e.dataDir, 'roster.jsonl'), 0o644);
    await chmod(join(e2e.dataDir, 'poe'), 0o755);
    await chmod(e2e.dataDir, 0o755);
    await e2e.restart();
    assertPrivate(await modesUnder(e2e.dataDir));
  });
});
