import { LowdbClaimRepository } from '../../storage/files/lowdbClaimRepository.js';
import { FIXTURE_NOW, makeAlert, makeClaimDocument, makeHistoryEntry } from './claimFixtures.js';

// Child process for the crash-safety test: opens the store in the folder given as the first
// argument and writes to it from a few concurrent writers until it is killed, printing
// `ack <id> <version>` after every write the store acknowledged. It stops on its own after
// MAX_ACKS writes or MAX_MS, so a parent that fails to kill it cannot leave it running.

const MAX_ACKS = 20_000;
const MAX_MS = 60_000;
const WRITERS = 4;

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: storeWriterChild.ts <dataDir>\n');
  process.exit(2);
}

setTimeout(() => process.exit(3), MAX_MS).unref();

const repo = new LowdbClaimRepository({ dataDir });
await repo.open();
process.stdout.write('ready\n');

const ids: string[] = [];
let acks = 0;

function ack(id: string, version: number): void {
  acks += 1;
  // Writes to a pipe are synchronous on Linux: once this returns the parent can read the line.
  process.stdout.write(`ack ${id} ${version}\n`);
}

async function writer(): Promise<void> {
  while (acks < MAX_ACKS) {
    if (ids.length < 10 || Math.random() < 0.25) {
      const id = await repo.allocateId(new Date(FIXTURE_NOW));
      await repo.insert(makeClaimDocument({ id }));
      ids.push(id);
      ack(id, 1);
    } else {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const version = await repo.update(id, (stored) => {
        const current = structuredClone(stored);
        const claim = current.claim;
        claim.version += 1;
        claim.history.push(makeHistoryEntry(claim.history.length + 1, { action: `write-${claim.version}` }));
        current.outbox.push(makeAlert(claim, { id: `alert-${claim.id}-${claim.version}` }));
        return { next: current, result: claim.version };
      });
      ack(id, version);
    }
  }
}

await Promise.all(Array.from({ length: WRITERS }, () => writer()));
await repo.close();
