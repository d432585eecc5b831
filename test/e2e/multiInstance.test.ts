import assert from 'node:assert/strict';
import type pg from 'pg';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { ClaimService } from '../../services/claimService.js';
import { systemClock } from '../../services/clock.js';
import type { Claim } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import type { InvokeResponseBody } from '../support/botClient.js';
import { ConnectorStandIn } from '../support/connectorStandIn.js';
import { announceSkip, testCluster, type PostgresCluster } from '../support/postgresCluster.js';
import { m365Details, poeFile } from '../support/serviceHarness.js';
import { startBotInstance, type BotInstance } from './support/botInstances.js';
import { actorOf, PARTNER, REVIEWER } from './support/e2eApp.js';

// Issue 15: two bot processes on one PostgreSQL database, requests spread over both, as App
// Service instances behind Azure Bot Service. Each instance is `bot/index.ts` in its own process.

const en = translatorFor('en');

describe('e2e: two bot instances on one PostgreSQL database (issue 15)', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let connector: ConnectorStandIn;
  let instances: BotInstance[] = [];
  let pool: pg.Pool | undefined;
  let service: ClaimService;

  before(async function () {
    const started = await testCluster();
    if (!started) {
      announceSkip('the two-instance end-to-end test');
      this.skip();
    }
    cluster = started;
  });

  beforeEach(async () => {
    connector = await ConnectorStandIn.start();
  });

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    instances = [];
    await pool?.end();
    pool = undefined;
    await connector.close();
  });

  /** Two instances on a fresh database, and the test's own claim service on it (to seed and to check). */
  async function twoInstances(name: string, env: Record<string, string> = {}): Promise<BotInstance[]> {
    const url = await cluster.createDatabase(name);
    const settings = { STORE: 'postgres', DATABASE_URL: url, TICK_INTERVAL_SECONDS: '3600', DELIVERY_POLL_SECONDS: '1', DIRECTORY_CACHE_SECONDS: '0', ...env };
    // One first: it migrates and takes over the roster; the second starts on the result.
    instances.push(await startBotInstance('a', { serviceUrl: connector.url, env: settings }));
    instances.push(await startBotInstance('b', { serviceUrl: connector.url, env: settings }));
    pool = createPool({ connectionString: url });
    const repository = new PostgresClaimRepository({ pool, clock: systemClock });
    await repository.open();
    service = new ClaimService({ repository, policy: createPolicy(), clock: systemClock });
    return instances;
  }

  async function claimsInReview(count: number): Promise<Claim[]> {
    const claims: Claim[] = [];
    for (let index = 0; index < count; index += 1) {
      const partner = actorOf(PARTNER);
      let claim = await service.create(partner, m365Details({ customerTenantId: customerTenant(index) }));
      claim = await service.addPoe(partner, claim.id, claim.version, poeFile());
      claim = await service.submit(partner, claim.id, claim.version);
      claims.push(await service.startReview(actorOf(REVIEWER), claim.id, claim.version));
    }
    return claims;
  }

  const approve = (instance: BotInstance, claim: Claim) =>
    instance.client.cardAction(REVIEWER, { verb: 'approve', data: { claimId: claim.id, version: claim.version, approveComment: '' } });

  it('20 concurrent Approve clicks split across the instances make exactly one decision', async () => {
    const [a, b] = await twoInstances('cpor_two_clicks');
    const [claim] = await claimsInReview(1);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => approve(index % 2 ? a! : b!, claim!)));

    for (const response of responses) assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 300));
    const after = await service.get(actorOf(REVIEWER), claim!.id);
    assert.equal(after.status, 'Approved');
    assert.equal(after.version, claim!.version + 1, 'one change, not twenty');
    assert.equal(after.history.filter((entry) => entry.action === 'approve').length, 1);
    // Every click was answered with a card (the winner's and the others' current view), none with an error.
    for (const { body } of responses) assert.equal((body as InvokeResponseBody).type, 'application/vnd.microsoft.card.adaptive');
  });

  it('while the database restarts, clicks get a clear "try again in a moment" and every one acknowledged is kept', async () => {
    const [a, b] = await twoInstances('cpor_two_outage');
    const claims = await claimsInReview(40);
    const outcomes: Array<{ claim: Claim; response: InvokeResponseBody }> = [];
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await cluster.stop();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await cluster.start();
    })();
    for (const [index, claim] of claims.entries()) {
      const response = await approve(index % 2 ? a! : b!, claim);
      outcomes.push({ claim, response: response.body });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await outage;

    const acknowledged = outcomes.filter(({ response }) => response.statusCode === 200);
    const refused = outcomes.filter(({ response }) => response.statusCode !== 200);
    assert.ok(acknowledged.length > 0 && refused.length > 0, `${acknowledged.length} acknowledged, ${refused.length} refused: the outage fell inside the run`);
    for (const { response } of refused) {
      assert.equal(response.statusCode, 503);
      assert.equal((response.value as { message: string }).message, en.t('errors.storage-unavailable'));
    }
    for (const { claim } of acknowledged) {
      assert.equal((await service.get(actorOf(REVIEWER), claim.id)).status, 'Approved', `${claim.id} was acknowledged`);
    }
    // Both instances answer normally again, without a restart of their own: the refused are retried.
    const stillInReview: Claim[] = [];
    for (const { claim } of refused) {
      const now = await service.get(actorOf(REVIEWER), claim.id);
      if (now.status === 'InReview') stillInReview.push(now);
    }
    assert.ok(stillInReview.length >= 2, 'refused clicks changed nothing');
    for (const [index, claim] of stillInReview.entries()) {
      const retried = await approve(index % 2 ? a! : b!, claim);
      assert.equal(retried.body.statusCode, 200, JSON.stringify(retried.body.value).slice(0, 300));
      assert.equal((await service.get(actorOf(REVIEWER), claim.id)).status, 'Approved');
    }
  });
});

function customerTenant(index: number): string {
  return `c0ffee00-0000-4000-8000-${String(index).padStart(12, '0')}`;
}
