import assert from 'node:assert/strict';
import { seededId, seedPostgresClaims, verifySeeded } from '../../bench/support/seedPostgresClaims.js';
import { CHECKER_VERSION } from '../../poe/precheck/checker.js';
import { ClaimService } from '../../services/claimService.js';
import { systemClock } from '../../services/clock.js';
import { createPolicy } from '../../services/policy.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';

// The PostgreSQL scale rows measure a product with nothing to do but the requests: copies whose
// PoE files had no report kept its pre-check sweep reading each of them, a million, while it was
// measured (each failing: "no bytes stored").

describe('the PostgreSQL bench seed', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;

  before(async function () {
    cluster = await clusterOrSkip(this, 'the PostgreSQL bench seed test');
  });

  it('copies claims whose PoE files are pre-checked on their own facts, so the sweep finds none to read', async () => {
    const pool = createPool({ connectionString: await cluster.createDatabase('cpor_seed'), poolSize: 2, statementTimeoutMs: 60_000 });
    try {
      const seeded = await seedPostgresClaims(pool, 12);
      await verifySeeded(pool, seeded, 12);
      const repository = new PostgresClaimRepository({ pool, clock: systemClock, migrate: false });
      const service = new ClaimService({ repository, policy: createPolicy({}), clock: systemClock });
      assert.deepEqual(await service.precheckCandidates(CHECKER_VERSION), []);
      // Read one by one, as a change to a claim would have it read: every report stands on its copy's facts.
      for (let sequence = 1; sequence <= seeded.n; sequence += 1) {
        const work = await service.precheckWork(seededId(seeded.year, sequence), CHECKER_VERSION);
        assert.deepEqual(work?.files ?? [], [], seededId(seeded.year, sequence));
      }
    } finally {
      await pool.end();
    }
  });
});
