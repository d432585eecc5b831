import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './freePort.js';

// A throw-away PostgreSQL cluster for tests: Debian's binaries, initdb into a temporary folder as
// an unprivileged user when we are root, listening on 127.0.0.1 and a free port, stopped and
// removed when the process exits. One cluster per test process, one database per caller.
// The server runs on the real clock: libfaketime (the shifted-clock pass) is not handed down,
// and nothing in the engine asks the database for the time.

export interface PostgresCluster {
  host: string;
  port: number;
  /** A new, empty database; returns its connection string. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast: open connections are cut) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's main process while it runs (the bench reads its CPU), else undefined. */
  serverPid(): number | undefined;
}

const UNPRIVILEGED = { uid: 65534, gid: 65534 }; // nobody:nogroup on Debian

/** The folder holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN_DIR) return existsSync(join(process.env.PG_BIN_DIR, 'initdb')) ? process.env.PG_BIN_DIR : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

let shared: Promise<PostgresCluster> | undefined;

/**
 * The process's cluster, started on first use. Without PostgreSQL it resolves to undefined, and
 * the caller skips loudly; under CI=true a missing PostgreSQL is a failure, never a skip.
 */
export async function testCluster(): Promise<PostgresCluster | undefined> {
  const bin = postgresBinDir();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('CI=true but PostgreSQL is not installed (apt-get install postgresql)');
    return undefined;
  }
  shared ??= startCluster(bin);
  return shared;
}

/** The process's cluster for a test hook; without PostgreSQL it says so loudly and skips. */
export async function clusterOrSkip(context: Mocha.Context, what: string): Promise<PostgresCluster> {
  const cluster = await testCluster();
  if (cluster) return cluster;
  announceSkip(what);
  return context.skip();
}

export function announceSkip(what: string): void {
  const line = '!'.repeat(100);
  console.warn(`\n${line}\n!!! SKIPPED: ${what}: PostgreSQL binaries not found (apt-get install postgresql, or PG_BIN_DIR).\n${line}\n`);
}

async function startCluster(bin: string): Promise<PostgresCluster> {
  const folder = await mkdtemp(join(tmpdir(), 'cpor-pg-'));
  const data = join(folder, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(folder, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  await chmod(folder, 0o700);
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  // The shifted-clock pass preloads libfaketime; the server keeps the real clock.
  for (const name of Object.keys(env)) if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete env[name];
  const options: SpawnOptions = { env, cwd: folder, ...(asRoot ? UNPRIVILEGED : {}) };

  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], options);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${folder}`,
    // A test database: durability is the engine's concern, not the test cluster's.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const pgCtl = (args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...args], options);
  const start = async () => {
    try {
      await pgCtl(['-o', settings, '-l', join(folder, 'server.log'), 'start']);
    } catch (error) {
      const log = await readFile(join(folder, 'server.log'), 'utf8').catch(() => '');
      throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`, { cause: error });
    }
  };
  const stop = () => pgCtl(['-m', 'fast', 'stop']);
  await start();

  let stopped = false;
  process.once('exit', () => {
    if (!stopped) spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...options, stdio: 'ignore' });
    rmSync(folder, { recursive: true, force: true });
  });

  let databases = 0;
  return {
    host: '127.0.0.1',
    port,
    async createDatabase(prefix = 'cpor_test') {
      databases += 1;
      const name = `${prefix}_${process.pid}_${databases}`;
      const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      await stop();
      await start();
    },
    async stop() {
      await stop();
      stopped = true;
    },
    async start() {
      await start();
      stopped = false;
    },
    serverPid() {
      // postmaster.pid's first line, written by the server when it starts and removed when it stops.
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function run(command: string, args: string[], options: SpawnOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output.slice(-2000)}`))));
  });
}
