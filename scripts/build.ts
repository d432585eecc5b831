import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run build`: the product compiled to JavaScript in dist/ (tsc, tsconfig.build.json) with the
// JSON the code reads at run time (card templates, catalogues) beside it, so production runs
// `node dist/bot/index.js` without a TypeScript loader. Tests and `npm start` keep using tsx.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Folders of data files the compiled modules read next to themselves. */
const ASSETS = ['cards/templates', 'cards/i18n/locales', 'tab/client', 'storage/postgres/migrations'];

/** `project`: another tsconfig extending tsconfig.build.json (the bench adds its bot server to the product). */
export function build(outDir = join(ROOT, 'dist'), project = join(ROOT, 'tsconfig.build.json')): void {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--outDir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  for (const folder of ASSETS) cpSync(join(ROOT, folder), join(outDir, folder), { recursive: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build();
  console.log('built dist/: start with `npm run start:prod` (node dist/bot/index.js)');
}
