import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

// Child process for the footprint test: starts the app in the folder given as the first argument,
// with the environment it was given, prints the npm packages loaded by then (as CommonJS and as
// ES modules) as one JSON line, and stops.

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: loadedPackagesChild.ts <dataDir>\n');
  process.exit(2);
}

const packageOf = (location: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(location)?.[1];

// ES modules are not in require's cache: a loader hook (on Node's loader thread) reports each one
// loaded, before the app is imported.
const esModules = new Set<string>();
const { port1, port2 } = new MessageChannel();
port1.on('message', ({ url, format }: { url: string; format: string }) => {
  const name = packageOf(url);
  if (name && format === 'module') esModules.add(name);
});
port1.unref();
const hook = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  const loaded = await next(url, context);
  port.postMessage({ url, format: loaded.format });
  return loaded;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });

const [{ startApp }, { loadConfig }] = await Promise.all([import('../../bot/app.js'), import('../../bot/config.js')]);
const environment: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '3978', DATA_DIR: dataDir };
const app = await startApp({ config: { ...loadConfig(environment), PORT: 0 }, environment, log: () => undefined });
// The messages of the last modules loaded may still be on their way from the loader thread.
await new Promise((resolve) => setTimeout(resolve, 200));
const commonJs = new Set<string>();
for (const path of Object.keys(createRequire(import.meta.url).cache)) {
  const name = packageOf(path);
  if (name) commonJs.add(name);
}
await app.stop();
process.stdout.write(`${JSON.stringify({ commonJs: [...commonJs].sort(), esModules: [...esModules].sort() })}\n`);
