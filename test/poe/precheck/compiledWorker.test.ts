import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from '../../../scripts/build.js';
import { factsFor, linesFor } from './support/corpus.js';
import { makeDocx, makePdf } from './support/documents.js';

// The checker's worker thread from the production build: `npm run build` compiles
// poe/precheck/extractWorker.ts beside checker.js, and plain node (no tsx) starts it.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

describe('PoE pre-check from the compiled build', function () {
  this.timeout(180_000);
  const outDir = join(ROOT, 'test-output', `dist-precheck-${process.pid}`);
  const work = mkdtempSync(join(tmpdir(), 'cpor-precheck-dist-'));
  after(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('builds the worker and checks a PDF and a DOCX with node alone', async () => {
    build(outDir);
    assert.ok(existsSync(join(outDir, 'poe', 'precheck', 'extractWorker.js')), 'the worker is in the build');
    writeFileSync(join(work, 'poe.pdf'), await makePdf([linesFor('it', 'none')]));
    writeFileSync(join(work, 'poe.docx'), makeDocx(linesFor('sv', 'no-signature')));
    const checker = pathToFileURL(join(outDir, 'poe', 'precheck', 'checker.js')).href;
    const clock = pathToFileURL(join(outDir, 'services', 'clock.js')).href;
    const script = `
      import { readFileSync } from 'node:fs';
      const { createPoeChecker } = await import(${JSON.stringify(checker)});
      const { systemClock } = await import(${JSON.stringify(clock)});
      const checker = createPoeChecker({ clock: systemClock });
      const reports = [];
      for (const [name, facts] of [['poe.pdf', ${JSON.stringify(factsFor('it'))}], ['poe.docx', ${JSON.stringify(factsFor('sv'))}]]) {
        reports.push(await checker.check({ name, contentType: '', bytes: readFileSync(${JSON.stringify(work)} + '/' + name) }, facts));
      }
      await checker.close();
      console.log(JSON.stringify(reports));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: work, env: { PATH: process.env.PATH } });
    const [pdf, docx] = JSON.parse(stdout) as { unreadable?: string; findings: { check: string; found: boolean }[] }[];
    assert.equal(pdf!.unreadable, undefined);
    assert.ok(pdf!.findings.every((finding) => finding.found));
    assert.deepEqual(
      docx!.findings.filter((finding) => !finding.found).map((finding) => finding.check),
      ['customer-acknowledgement'],
    );
  });
});
