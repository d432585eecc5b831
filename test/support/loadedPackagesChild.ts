import { createRequire } from 'node:module';
import { startApp } from '../../bot/app.js';
import { loadConfig } from '../../bot/config.js';

// Child process for the footprint test: starts the app in the folder given as the first argument,
// with the environment it was given, prints the npm packages loaded by then as one JSON line,
// and stops.

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: loadedPackagesChild.ts <dataDir>\n');
  process.exit(2);
}

const environment: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '3978', DATA_DIR: dataDir };
const app = await startApp({ config: { ...loadConfig(environment), PORT: 0 }, environment, log: () => undefined });
// The packages are CommonJS modules, loaded through require's cache even when imported.
const loaded = new Set<string>();
for (const path of Object.keys(createRequire(import.meta.url).cache)) {
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (name) loaded.add(name);
}
await app.stop();
process.stdout.write(`${JSON.stringify([...loaded].sort())}\n`);
