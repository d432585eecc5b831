import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../scripts/build.js';

// The bots the bench measures run as production runs the product (`npm run start:prod`):
// compiled by tsc, on node alone. Through tsx, every function the code creates is given its name
// by a call (esbuild's keepNames), which gave each closure a 256-byte property array, and source
// maps stay in memory: with 23,719 claims loaded the product held 90.9 MB of heap and 300 MB of
// RSS through tsx, 77.5 MB and 234 MB compiled. The floor (the echo bot) runs compiled too.

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Inside the project, so the compiled modules find node_modules; ignored by git. */
export const BOTS_BUILD_DIR = join(ROOT, 'bench', '.build');

let server: string | undefined;

/** turnServer.ts compiled with the product, built once per bench process (tsc, about 10 s). */
export function compiledTurnServer(): string {
  if (!server) {
    build(BOTS_BUILD_DIR, join(ROOT, 'bench', 'tsconfig.bots.json'));
    server = join(BOTS_BUILD_DIR, 'bench', 'support', 'turnServer.js');
  }
  return server;
}
