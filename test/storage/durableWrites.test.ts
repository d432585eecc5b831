import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTextIfPresent, removeFileDurably, syncFolder, writeFileDurably, writeTextWithDigest } from '../../services/store/durableJsonFile.js';
import { fileDigest, readWithDigest } from '../../services/store/durableWriteThreads.js';
import { removeAllTempDataDirs, tempDataDir, type TempDataDir } from '../support/claimFixtures.js';

// The durable file calls every store makes, through the write threads: what lands on disk, the
// errors a caller sees, and that the threads never keep a finished process alive.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('durable writes', () => {
  let dir: TempDataDir;
  beforeEach(async () => {
    dir = await tempDataDir();
  });
  afterEach(async () => dir.remove());
  after(removeAllTempDataDirs);

  it('writes text and bytes, private, replacing what was there, and leaves no temporary file', async () => {
    const text = join(dir.path, 'claim.json');
    await writeFileDurably(text, '{"old":true}');
    await writeFileDurably(text, '{"claim":"ÿ ✓"}');
    assert.equal(await readFile(text, 'utf8'), '{"claim":"ÿ ✓"}');
    assert.equal(await readTextIfPresent(text), '{"claim":"ÿ ✓"}');
    assert.equal(await readTextIfPresent(join(dir.path, 'absent.json')), undefined);
    assert.equal((await stat(text)).mode & 0o777, 0o600);

    const bytes = join(dir.path, 'poe.pdf');
    const content = Uint8Array.from({ length: 70_000 }, (_, index) => index % 251);
    await writeFileDurably(bytes, content);
    assert.deepEqual(new Uint8Array(await readFile(bytes)), content);

    // Many at once, to several files: each ends with its own last content.
    await Promise.all(Array.from({ length: 40 }, (_, index) => writeFileDurably(join(dir.path, `many-${index % 8}.json`), String(index))));
    for (let file = 0; file < 8; file += 1) assert.equal(await readFile(join(dir.path, `many-${file}.json`), 'utf8'), String(32 + file));
    assert.deepEqual(
      (await readdir(dir.path)).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('writes a large file from the event loop just the same', async () => {
    const path = join(dir.path, 'large.pdf');
    const content = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, index) => index % 253);
    await writeFileDurably(path, content);
    assert.deepEqual(new Uint8Array(await readFile(path)), content);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('reads a file back with the digest its write gave, small or large, and nothing for a missing one', async () => {
    const small = join(dir.path, 'claim.json');
    const smallDigest = await writeTextWithDigest(small, '{"claim":"ÿ ✓"}');
    assert.deepEqual(await readWithDigest(small), { text: '{"claim":"ÿ ✓"}', digest: smallDigest });
    assert.equal(smallDigest, fileDigest(Buffer.from('{"claim":"ÿ ✓"}')));

    // Over a megabyte the text is decoded on the event loop: the same text, the same digest.
    const large = join(dir.path, 'large.json');
    const text = JSON.stringify({ lines: Array.from({ length: 60_000 }, (_, index) => `ligne ${index} — ✓`) });
    const largeDigest = await writeTextWithDigest(large, text);
    assert.ok(Buffer.byteLength(text) > 1024 * 1024);
    assert.deepEqual(await readWithDigest(large), { text, digest: largeDigest });

    await writeTextWithDigest(small, '{"claim":"changed"}');
    assert.notEqual((await readWithDigest(small))?.digest, smallDigest);
    assert.equal(await readWithDigest(join(dir.path, 'absent.json')), undefined);
    await assert.rejects(readWithDigest(dir.path), { code: 'EISDIR' });
  });

  it("answers a failure with the system's error code, and leaves nothing behind", async () => {
    await assert.rejects(writeFileDurably(join(dir.path, 'no-such-folder', 'claim.json'), '{}'), { code: 'ENOENT', syscall: 'open' });
    // A folder where the file should go: the rename fails, and the temporary file is removed.
    await mkdir(join(dir.path, 'taken'));
    await writeFile(join(dir.path, 'taken', 'inside'), 'x');
    await assert.rejects(writeFileDurably(join(dir.path, 'taken'), '{}'), (error: NodeJS.ErrnoException) => error.syscall === 'rename');
    assert.deepEqual((await readdir(dir.path)).sort(), ['taken']);

    await assert.rejects(removeFileDurably(join(dir.path, 'gone.json')), { code: 'ENOENT' });
    await assert.rejects(syncFolder(join(dir.path, 'no-such-folder')), { code: 'ENOENT' });
    await assert.rejects(readTextIfPresent(join(dir.path, 'taken')), { code: 'EISDIR' });
    await writeFileDurably(join(dir.path, 'after.json'), 'still works');
    await removeFileDurably(join(dir.path, 'after.json'));
    assert.deepEqual(await readdir(dir.path), ['taken']);
  });

  it('answers each of the jobs given together on its own: one failing fails no other', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        index % 4 === 1
          ? writeFileDurably(join(dir.path, 'no-such-folder', `${index}.json`), '{}')
          : writeFileDurably(join(dir.path, `${index}.json`), String(index)),
      ),
    );
    outcomes.forEach((outcome, index) => {
      if (index % 4 === 1) assert.ok(outcome.status === 'rejected' && (outcome.reason as NodeJS.ErrnoException).code === 'ENOENT', `job ${index}`);
      else assert.equal(outcome.status, 'fulfilled', `job ${index}`);
    });
    assert.deepEqual((await readdir(dir.path)).sort(), ['0.json', '10.json', '11.json', '2.json', '3.json', '4.json', '6.json', '7.json', '8.json']);
  });

  it('lets a process that has written end by itself', async function () {
    this.timeout(60_000);
    const path = join(dir.path, 'from-child.json');
    const script = `import { writeFileDurably } from './services/store/durableJsonFile.ts';
await writeFileDurably(${JSON.stringify(path)}, 'written');
console.log('acknowledged');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, 'the process was held open after its write');
    assert.equal(output.trim(), 'acknowledged');
    assert.equal(await readFile(path, 'utf8'), 'written');
  });
});
