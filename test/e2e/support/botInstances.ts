import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BotClient, type TeamsUser } from '../../support/botClient.js';
import { rosterLines } from './e2eApp.js';
import { freePort } from '../../support/freePort.js';

// Several instances of the bot, each its own process started as production starts it
// (`node --import tsx bot/index.ts`, configured by the environment), sharing one PostgreSQL
// database and one stand-in connector, as App Service instances behind Azure Bot Service would.
// An instance can be stopped (SIGTERM: graceful) or killed (SIGKILL: no goodbye at all).

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /listening on (http:\/\/[^\s]+)\/api\/messages/;

export interface BotInstance {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  dataDir: string;
  /** The bot's client: activities go to this instance, replies to the stand-in connector. */
  client: BotClient;
  /** Everything the process printed, for a failing test's message. */
  output(): string;
  /** SIGTERM (the turns in flight finish) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process ends at once, whatever it was doing. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export async function startBotInstance(name: string, options: { serviceUrl: string; env: Record<string, string> }): Promise<BotInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), `cpor-instance-${name}-`));
  // With STORE=postgres the first instance's roster file seeds the database's roster, once.
  await writeFile(join(dataDir, 'roster.jsonl'), rosterLines());
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', 'bot/index.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...withoutTestSettings(process.env),
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      INSTANCE_ID: name,
      // These tests count alerts; the pre-check's checklist would add one per upload.
      POE_PRECHECK: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start within 60 s:\n${printed}`)), 60_000);
    const check = () => {
      const found = LISTENING.exec(printed)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited with ${code} before it listened:\n${printed}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    name,
    url,
    pid: child.pid ?? 0,
    dataDir,
    client: new BotClient({ botUrl: `${url}/api/messages`, serviceUrl: options.serviceUrl }),
    output: () => printed,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    exited,
  };
}

/** Spreads requests over the instances in turn, as the Bot Service spreads them over App Service instances. */
export function roundRobin(instances: readonly BotInstance[]): () => BotInstance {
  let next = 0;
  return () => instances[next++ % instances.length]!;
}

/** A person saying something to one instance; the replies land on the stand-in connector. */
export async function sayTo(instance: BotInstance, person: TeamsUser, text: string): Promise<number> {
  return (await instance.client.message(person, text)).status;
}

/** Mocha's and the suite's own settings are not the bot's. */
function withoutTestSettings(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...environment };
  for (const key of Object.keys(copy)) if (key.startsWith('MOCHA') || key === 'DATA_DIR' || key === 'PORT') delete copy[key];
  return copy;
}
