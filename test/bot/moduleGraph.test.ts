import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// botbuilder-dialogs' index loads every prompt it ships, and with them the recognizers of numbers,
// dates and choices in a dozen languages: 17 MB of heap a process keeps for good, which V8 lets
// grow several times over under load (the RSS row of the bench, issue 20). This bot's dialogs use
// DialogSet and Dialog alone, imported from their own modules. exceljs (about 8 MB with its zip
// and CSV libraries) is loaded by the first XLSX export of the tab, not at start.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CommonJS modules a fresh process has loaded once it imported `module` (a path from the
 * repository's root) and ran `then` (code given the module as `imported`).
 */
function modulesLoadedBy(module: string, then = ''): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const imported = await import(${JSON.stringify(`${ROOT}${module}`)});
    ${then}
    process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--no-deprecation', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe('module graph: what the running bot loads', function () {
  this.timeout(60_000);
  // One process importing the bot serves every assertion about what the bot loads.
  let loadedByBot: string[];
  before(() => {
    loadedByBot = modulesLoadedBy('bot/app.ts');
  });

  it("leaves out botbuilder-dialogs' prompts and their recognizers, and still has its dialogs", () => {
    assert.deepEqual(
      loadedByBot.filter((path) => /botbuilder-dialogs\/lib\/prompts\/|recognizers-text-(suite|number|choice|date-time|sequence)/.test(path)),
      [],
    );
    assert.ok(loadedByBot.some((path) => path.endsWith('botbuilder-dialogs/lib/dialogSet.js')));
  });

  it('loads exceljs only when the tab exports XLSX', () => {
    assert.deepEqual(
      loadedByBot.filter((path) => path.includes('/node_modules/exceljs/')),
      [],
    );
    const exported = modulesLoadedBy('tab/tabExport.ts', "await imported.toXlsx([{ name: 'A', headers: ['a'], rows: [['x']] }], new Date(0));");
    assert.ok(exported.some((path) => path.includes('/node_modules/exceljs/')));
  });
});
