import { startApp } from './app.js';
import { ConfigurationError, loadConfig, warnIfUnauthenticated } from './config.js';

// Entry point: `npm start` (or `node --import tsx bot/index.ts`). Reads the environment, starts
// the bot, and stops it cleanly on SIGTERM/SIGINT, letting the turn in flight finish.

async function main(): Promise<void> {
  const config = loadConfig();
  warnIfUnauthenticated(config);
  const app = await startApp({ config });
  console.log(`CPOR Claims Assistant listening on ${app.listening}/api/messages (data in ${config.dataDir})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing the turns in flight, then stopping`);
    await app.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // A configuration mistake is the operator's to fix: say so with its own exit code.
  process.exit(error instanceof ConfigurationError ? 2 : 1);
});
