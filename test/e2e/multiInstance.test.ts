import assert from 'node:assert/strict';
import type pg from 'pg';
import { translatorFor } from '../../cards/i18n/i18n.js';
import { ClaimService } from '../../services/claimService.js';
import { systemClock } from '../../services/clock.js';
import type { Actor } from '../../services/actor.js';
import type { Claim } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import type { InvokeResponseBody } from '../support/botClient.js';
import { ConnectorStandIn, type RecordedRequest } from '../support/connectorStandIn.js';
import { clusterOrSkip, type PostgresCluster } from '../support/postgresCluster.js';
import { m365Details, poeFile } from '../support/serviceHarness.js';
import { startBotInstance, type BotInstance } from './support/botInstances.js';
import { actorOf, CONTOSO, eventually, PARTNER, REVIEWER } from './support/e2eApp.js';
import type { TeamsUser } from '../support/botClient.js';
import { assertWithinTeamsWindows } from '../support/rateWindows.js';

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
  let repository: PostgresClaimRepository;

  before(async function () {
    cluster = await clusterOrSkip(this, 'the two-instance end-to-end test');
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
    repository = new PostgresClaimRepository({ pool, clock: systemClock });
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

  /** Ten partner users of Contoso, each in their own chat, met by the bot (one instance or the other). */
  const PARTNERS: TeamsUser[] = Array.from({ length: 10 }, (_, index) => ({
    aadObjectId: `aad-contoso-user-${index}`,
    tenantId: CONTOSO.tenantId,
    name: `Contoso User ${index}`,
    locale: 'en-US',
  }));
  const partnerActor = (person: TeamsUser): Actor => ({
    userId: person.aadObjectId,
    tenantId: person.tenantId,
    roles: ['incentives-user'],
    organisation: CONTOSO,
  });

  /** Each partner submits `perPartner` claims: one submission receipt each, to their own chat. */
  const submitted = new Set<string>();
  async function submittedClaims(perPartner: number): Promise<string[]> {
    const ids: string[] = [];
    for (let round = 0; round < perPartner; round += 1) {
      for (const [index, person] of PARTNERS.entries()) {
        const actor = partnerActor(person);
        let claim = await service.create(actor, m365Details({ customerTenantId: customerTenant(round * PARTNERS.length + index) }));
        claim = await service.addPoe(actor, claim.id, claim.version, poeFile());
        claim = await service.submit(actor, claim.id, claim.version);
        ids.push(claim.id);
        submitted.add(claim.id);
      }
    }
    return ids;
  }

  /** Submission receipts the connector received, per claim id (the help text's example id is not one). */
  function receipts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of connector.sent()) {
      if (!PARTNERS.some((person) => request.path.includes(encodeURIComponent(`a:personal-${person.aadObjectId}`)))) continue;
      const id = /CPOR-\d{4}-\d{6}/.exec(JSON.stringify(request.body))?.[0];
      if (id && submitted.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Teams' per-conversation windows, checked on the arrival times of everything sent to each chat. */
  function assertWithinTeamsLimits(requests: readonly RecordedRequest[]): void {
    const byConversation = new Map<string, RecordedRequest[]>();
    for (const request of requests) {
      const conversation = /^\/v3\/conversations\/([^/]+)/.exec(request.path)?.[1];
      if (!conversation || (request.method !== 'POST' && request.method !== 'PUT')) continue;
      byConversation.set(conversation, [...(byConversation.get(conversation) ?? []), request]);
    }
    for (const [conversation, sent] of byConversation) assertWithinTeamsWindows(sent, decodeURIComponent(conversation));
  }

  it('200 alerts due: each delivered exactly once, no conversation over its limits across both instances', async () => {
    const [a, b] = await twoInstances('cpor_two_alerts');
    for (const [index, person] of PARTNERS.entries()) assert.equal((await (index % 2 ? a! : b!).client.message(person, 'help')).status, 200);
    // The help replies are not alerts (and show an example claim id): count from here.
    await eventually(() => connector.sent().length >= PARTNERS.length, 'the help replies');
    connector.clear();
    const ids = await submittedClaims(20);
    assert.equal(ids.length, 200);

    await eventually(() => receipts().size === 200, `all 200 receipts delivered (${receipts().size} so far)`, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const delivered = receipts();
    assert.deepEqual([...ids].sort(), [...delivered.keys()].sort());
    assert.deepEqual(
      [...delivered].filter(([, count]) => count !== 1),
      [],
      'no receipt twice',
    );
    assertWithinTeamsLimits(connector.requests);
    for (const id of ids) {
      const receipt = (await repository.get(id))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
      assert.equal(receipt.state, 'sent', id);
    }
  });

  it('kill -9 one instance mid-run: the other finishes its alerts once its leases lapse, none sent twice', async () => {
    const [a, b] = await twoInstances('cpor_two_kill', { DELIVERY_LEASE_SECONDS: '6' });
    for (const [index, person] of PARTNERS.entries()) assert.equal((await (index % 2 ? a! : b!).client.message(person, 'help')).status, 200);
    // The help replies are not alerts (and show an example claim id): count from here.
    await eventually(() => connector.sent().length >= PARTNERS.length, 'the help replies');
    connector.clear();
    // Teams answers slowly, so there is work in flight on both when one dies.
    connector.script({ method: 'POST', path: /a%3Apersonal-aad-contoso-user-/ }, { status: 200, body: { id: 'slow-reply' }, delayMs: 150 }, 10_000);
    const ids = await submittedClaims(8);

    await eventually(() => receipts().size >= 20, 'a quarter delivered', 60_000);
    await a!.kill();
    await eventually(
      async () => {
        for (const id of ids) {
          const receipt = (await repository.get(id))?.outbox.find((alert) => alert.kind === 'submission-receipt');
          if (!receipt || receipt.state === 'pending') return false;
        }
        return true;
      },
      'every receipt settled by the instance left',
      90_000,
    );
    const delivered = receipts();
    assert.deepEqual(
      [...delivered].filter(([, count]) => count !== 1),
      [],
      'none twice',
    );
    let uncertain = 0;
    for (const id of ids) {
      const receipt = (await repository.get(id))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
      if (receipt.state === 'sent') assert.equal(delivered.get(id), 1, `${id} is recorded sent and was delivered`);
      else {
        // Sent by the killed instance with no answer recorded: DELIVERY_AFTER_CRASH=skip never sends it again.
        assert.match(receipt.lastError ?? '', /uncertain/, id);
        uncertain += 1;
      }
    }
    assert.ok(uncertain <= PARTNERS.length, `${uncertain} uncertain: at most one in flight per chat when the instance died`);
    assert.ok(delivered.size >= ids.length - uncertain);
    assert.ok(b);
  });
});

function customerTenant(index: number): string {
  return `c0ffee00-0000-4000-8000-${String(index).padStart(12, '0')}`;
}
