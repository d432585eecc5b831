import { resolve } from 'node:path';
import { systemClock } from '../services/clock.js';
import { loadDirectoryConfig } from '../services/directory/directoryConfig.js';
import { copyFilesToPostgres } from '../storage/copyFilesToPostgres.js';
import { createPool } from '../storage/postgres/pool.js';

// Moving up from the embedded store to PostgreSQL, with the bot stopped:
//   DATA_DIR=./data DATABASE_URL=postgres://… npx tsx scripts/copyToPostgres.ts
// Copies every claim (with its history and alerts), the id counters, the PoE files, the link
// secret, the roster with its audit and the bot state (dialogs in flight) into an empty database,
// or completes an earlier copy; verifies counts and a checksum per claim before reporting success.
// Then start the bot with STORE=postgres and the same DATABASE_URL.

async function main(): Promise<number> {
  const dataDir = resolve(process.env.DATA_DIR ?? './data');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('usage: DATA_DIR=<folder> DATABASE_URL=postgres://… npx tsx scripts/copyToPostgres.ts');
    return 2;
  }
  const pool = createPool({ connectionString: databaseUrl, statementTimeoutMs: 60_000 });
  try {
    const directory = loadDirectoryConfig({ ...process.env, DATA_DIR: dataDir });
    const report = await copyFilesToPostgres({ dataDir, pool, clock: systemClock, rosterFile: directory.rosterFile, auditFile: directory.auditFile });
    console.log(
      `copied ${report.copied} claim(s), ${report.alreadyThere} already there; ${report.claims} verified (count and SHA-256 per claim); ` +
        `ids continue from ${JSON.stringify(report.counters)}; ${report.blobs} file(s) (PoE, link secret) and ${report.stateEntries} bot state entries copied and verified; roster: ${report.roster}`,
    );
    if (report.missingBlobs.length > 0) {
      console.warn(`${report.missingBlobs.length} PoE file(s) named by claims were not in DATA_DIR (already lost there): ${report.missingBlobs.join(', ')}`);
    }
    return 0;
  } catch (error) {
    console.error(`copy failed, nothing reported as copied: ${(error as Error).message}`);
    return 1;
  } finally {
    await pool.end();
  }
}

process.exitCode = await main();
