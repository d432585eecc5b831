import assert from 'node:assert/strict';
import { pendingAlertsMark, recordKeysOf } from '../../services/claimFacts.js';
import type { ClaimRepository, ClaimScope } from '../../services/claimRepository.js';
import { isDomainError, type ErrorCode } from '../../services/errors.js';
import type { Claim, ClaimDetails, ClaimDocument, PoeFile } from '../../services/model.js';
import type { PrecheckReport } from '../../services/precheck.js';
import { NO_FILES_PRECHECK_MARK, factsDigest, precheckFactsOf, precheckMark } from '../../services/precheckFacts.js';
import {
  CUSTOMER_TENANT,
  FIXTURE_NOW,
  PARTNER_TENANT_A,
  PARTNER_TENANT_B,
  SUBSCRIPTION_ID,
  claimId,
  type ClaimFixtureOverrides,
  makeAlert,
  makeClaimDocument,
  makeHistoryEntry,
  makeTimer,
  removeAllTempDataDirs,
} from '../support/claimFixtures.js';
import { announceSkip } from '../support/postgresCluster.js';
import { filesEngine, postgresEngine, type EngineUnderTest } from './engines.js';

// One contract, every engine: what the claim service relies on from its repository, run against
// the embedded files and against a real PostgreSQL server. No mocks on either side.

const TEAMS_KEY = onlyKey({ program: 'OSU-M365', customerTenantId: CUSTOMER_TENANT, workloads: ['Teams'] });
const SUBSCRIPTION_KEY = onlyKey({ program: 'OSA', subscriptionId: SUBSCRIPTION_ID });

function onlyKey(details: ClaimDetails): string {
  const keys = recordKeysOf({ details });
  assert.equal(keys.length, 1);
  return keys[0]!;
}

function withCode(code: ErrorCode) {
  return (error: unknown): boolean => {
    assert.ok(isDomainError(error, code), `expected DomainError ${code}, got ${String(error)}`);
    return true;
  };
}

/** A mutation that bumps the version and returns the new one (on its own copy: the stored one is read-only). */
function bump(stored: ClaimDocument): { next: ClaimDocument; result: number } {
  const current = structuredClone(stored);
  current.claim.version += 1;
  return { next: current, result: current.claim.version };
}

/**
 * Changes a document an engine handed out: the files engine shares its stored copy frozen, so the
 * change throws there; another engine hands out a copy. Either way nothing stored may change.
 */
function tryToChange(change: () => void): void {
  try {
    change();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

/** As the service commits a command: refused unless the caller saw the current version. */
function decideAt(seen: number) {
  return (stored: ClaimDocument): { next: ClaimDocument; result: string } => {
    const current = structuredClone(stored);
    if (current.claim.version !== seen) throw Object.assign(new Error('stale'), { stale: true });
    current.claim.version += 1;
    current.claim.status = 'Approved';
    current.outbox.push(makeAlert(current.claim, { id: `decision-${current.claim.version}` }));
    return { next: current, result: 'decided' };
  };
}

const sorted = (ids: string[]): string[] => [...ids].sort();
/** Every claim in `scope`, by id. */
const idsIn = async (store: ClaimRepository, scope: ClaimScope): Promise<string[]> => sorted((await store.pageOf(scope, { order: 'newest', limit: 1000 })).ids);
const at = (iso: string) => Date.parse(iso);

export function claimRepositoryContract(engineName: 'files' | 'postgres'): void {
  describe(`ClaimRepository contract: ${engineName} engine`, function () {
    let engine: EngineUnderTest;
    let repo: ClaimRepository;

    before(async function () {
      if (engineName === 'files') {
        engine = filesEngine();
        return;
      }
      this.timeout(120_000);
      const postgres = await postgresEngine();
      if (!postgres) {
        announceSkip('the ClaimRepository contract on the postgres engine');
        this.skip();
      }
      engine = postgres;
    });

    beforeEach(async () => {
      repo = await engine.fresh();
    });

    afterEach(async () => {
      await engine?.cleanup();
    });

    after(removeAllTempDataDirs);

    describe('documents', () => {
      it('round-trips a document with timers, history and outbox', async () => {
        const document = makeClaimDocument({
          id: claimId(1),
          timers: [makeTimer('2026-03-05T09:00:00.000Z')],
          history: [makeHistoryEntry(1, { action: 'submit', fromStatus: 'Draft', toStatus: 'Submitted' })],
        });
        document.outbox.push(makeAlert(document.claim), makeAlert(document.claim, { id: 'second', state: 'sent', sentAt: FIXTURE_NOW }));
        await repo.insert(document);
        assert.deepEqual(await repo.get(claimId(1)), document);
        assert.equal(await repo.get(claimId(2)), undefined);
        assert.equal(await repo.count(), 1);
        assert.deepEqual(await (await engine.another()).get(claimId(1)), document);
      });

      it('hands out documents no caller can change the store through', async () => {
        const document = makeClaimDocument({ id: claimId(1) });
        await repo.insert(document);
        document.claim.partnerName = 'Changed after insert';
        const copy = (await repo.get(claimId(1)))!;
        tryToChange(() => {
          copy.claim.partnerName = 'Changed by the caller';
        });
        tryToChange(() => copy.outbox.push(makeAlert(copy.claim)));
        assert.equal((await repo.get(claimId(1)))?.claim.partnerName, 'Contoso Partners Ltd');
        assert.deepEqual(await repo.idsWithPendingAlerts(), []);
      });

      it('refuses a second insert with an existing id and keeps the first', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1), partnerName: 'First' }));
        await assert.rejects(repo.insert(makeClaimDocument({ id: claimId(1), partnerName: 'Second' })), withCode('invalid-transition'));
        assert.equal((await repo.get(claimId(1)))?.claim.partnerName, 'First');
      });

      it('refuses a document the schema refuses, storing nothing', async () => {
        const document = makeClaimDocument({ id: claimId(1) });
        (document.claim as { status: string }).status = 'NoSuchStatus';
        await assert.rejects(repo.insert(document));
        assert.equal(await (await engine.another()).count(), 0);
      });
    });

    describe('update and save', () => {
      it('stores what the mutation returns, and nothing for unchanged or a throw', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        assert.equal(await repo.update(claimId(1), bump), 2);
        assert.equal(await repo.update(claimId(1), () => ({ next: 'unchanged', result: 'same' })), 'same');
        await assert.rejects(
          repo.update(claimId(1), (current) => {
            tryToChange(() => {
              current.claim.version = 99;
            });
            throw new Error('refused half-way');
          }),
          /refused half-way/,
        );
        assert.equal((await repo.get(claimId(1)))?.claim.version, 2);
        await assert.rejects(repo.update(claimId(9), bump), withCode('not-found'));
      });

      it('refuses an appended entry or a replaced alert the schema refuses, naming its place, and stores nothing', async () => {
        const stored = makeClaimDocument({ id: claimId(1), history: [makeHistoryEntry(1), makeHistoryEntry(2)] });
        stored.outbox = [makeAlert(stored.claim, { id: 'a1' }), makeAlert(stored.claim, { id: 'a2' })];
        await repo.insert(stored);
        // As the service changes a claim: the entries it keeps are the stored ones, shared.
        const appending = (current: ClaimDocument) => ({
          next: {
            claim: { ...current.claim, version: 2, history: [...current.claim.history, makeHistoryEntry(3, { at: 'yesterday' })] },
            outbox: current.outbox,
          },
          result: undefined,
        });
        await assert.rejects(repo.update(claimId(1), appending), /history\.2\.at/);
        const replacing = (current: ClaimDocument) => ({
          next: { claim: { ...current.claim, version: 2 }, outbox: [current.outbox[0]!, { ...current.outbox[1]!, attempts: -1 }] },
          result: undefined,
        });
        await assert.rejects(repo.update(claimId(1), replacing), /outbox\.1\.attempts/);
        const again = await (await engine.another()).get(claimId(1));
        assert.equal(again?.claim.version, 1);
        assert.equal(again?.claim.history.length, 2);
        assert.deepEqual(
          again?.outbox.map((alert) => alert.attempts),
          [0, 0],
        );
      });

      it('checks a field of the claim a change replaced, and stores those it shares', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        const replacingDetails = (current: ClaimDocument) => ({
          next: { claim: { ...current.claim, version: 2, details: { ...current.claim.details, customerDomain: 'not a domain' } }, outbox: current.outbox },
          result: undefined,
        });
        await assert.rejects(repo.update(claimId(1), replacingDetails), /claim\.details\.customerDomain/);
        // As the service changes a claim: the details, terms and the rest it does not replace are the stored objects.
        const approving = (current: ClaimDocument) => ({
          next: { claim: { ...current.claim, version: 2, status: 'Approved' as const }, outbox: current.outbox },
          result: undefined,
        });
        await repo.update(claimId(1), approving);
        const again = await (await engine.another()).get(claimId(1));
        assert.equal(again?.claim.status, 'Approved');
        assert.deepEqual(again?.claim.details, makeClaimDocument({ id: claimId(1) }).claim.details);
      });

      it('refuses a mutation that changes the claim id, storing nothing', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        await assert.rejects(repo.update(claimId(1), (current) => ({ next: { ...current, claim: { ...current.claim, id: claimId(2) } }, result: undefined })));
        assert.equal(await repo.count(), 1);
        assert.equal(await repo.get(claimId(2)), undefined);
        assert.equal((await repo.get(claimId(1)))?.claim.version, 1);
      });

      it('lets an asynchronous mutation query through its reads before it decides', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        await repo.insert(makeClaimDocument({ id: claimId(2) }));
        const holders = await repo.update(claimId(2), async (current, reads) => {
          const others = (await reads.activeIdsForKey(TEAMS_KEY)).filter((id) => id !== current.claim.id);
          const summaries = await reads.summaries(others);
          return { next: 'unchanged', result: summaries.map((summary) => summary.id) };
        });
        assert.deepEqual(holders, [claimId(1)]);
      });

      it('deletes a claim from every answer', async () => {
        const gone = makeClaimDocument({ id: claimId(1), timers: [makeTimer('2026-03-03T09:00:00.000Z')] });
        gone.outbox.push(makeAlert(gone.claim));
        await repo.insert(gone);
        assert.equal(await repo.update(claimId(1), () => ({ next: 'delete', result: 'deleted' })), 'deleted');
        assert.equal(await repo.get(claimId(1)), undefined);
        assert.equal(await repo.summary(claimId(1)), undefined);
        assert.equal(await repo.count(), 0);
        assert.deepEqual(await repo.pageOf({ partnerTenantId: PARTNER_TENANT_A }, { order: 'newest', limit: 10 }), { total: 0, ids: [] });
        assert.deepEqual(await repo.activeIdsForKey(TEAMS_KEY), []);
        assert.deepEqual(await repo.idsWithPendingAlerts(), []);
        assert.equal(await repo.nextDue(), undefined);
      });

      it('saves only over the version the caller read', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        const read = structuredClone((await repo.get(claimId(1)))!);
        await repo.update(claimId(1), bump);
        read.claim.version = 2;
        await assert.rejects(repo.save(read, 1), withCode('stale-version'));
        read.claim.version = 3;
        read.claim.partnerName = 'Saved';
        await repo.save(read, 2);
        assert.equal((await repo.get(claimId(1)))?.claim.partnerName, 'Saved');
        await assert.rejects(repo.save(makeClaimDocument({ id: claimId(7) }), 1), withCode('not-found'));
      });

      it('keeps outbox order through appends, state changes and removals', async () => {
        const document = makeClaimDocument({ id: claimId(1) });
        document.outbox.push(makeAlert(document.claim, { id: 'a' }), makeAlert(document.claim, { id: 'b' }));
        await repo.insert(document);
        await repo.update(claimId(1), (stored) => {
          const current = structuredClone(stored);
          current.outbox[0] = { ...current.outbox[0]!, state: 'sent', attempts: 1, sentAt: FIXTURE_NOW };
          current.outbox.push(makeAlert(current.claim, { id: 'c' }));
          return { next: current, result: undefined };
        });
        assert.deepEqual(
          (await repo.get(claimId(1)))?.outbox.map((alert) => [alert.id, alert.state]),
          [
            ['a', 'sent'],
            ['b', 'pending'],
            ['c', 'pending'],
          ],
        );
        await repo.update(claimId(1), (current) => ({ next: { ...current, outbox: current.outbox.slice(1, 2) }, result: undefined }));
        assert.deepEqual(
          (await repo.get(claimId(1)))?.outbox.map((alert) => alert.id),
          ['b'],
        );
        assert.equal((await repo.summary(claimId(1)))?.pendingAlerts, 1);
      });

      it('marks which alerts are pending, so a change that settles one and records another shows without a read', async () => {
        const document = makeClaimDocument({ id: claimId(1) });
        document.outbox.push(
          makeAlert(document.claim, { id: 'a' }),
          makeAlert(document.claim, { id: 'b' }),
          makeAlert(document.claim, { id: 'c', state: 'sent', sentAt: FIXTURE_NOW }),
        );
        await repo.insert(document);
        const before = await repo.summary(claimId(1));
        assert.equal(before?.pendingMark, pendingAlertsMark(['b', 'a']));
        await repo.update(claimId(1), (stored) => {
          const current = structuredClone(stored);
          current.outbox[0] = { ...current.outbox[0]!, state: 'sent', attempts: 1, sentAt: FIXTURE_NOW };
          current.outbox.push(makeAlert(current.claim, { id: 'd' }));
          return { next: current, result: undefined };
        });
        const after = await repo.summary(claimId(1));
        assert.equal(after?.pendingAlerts, before?.pendingAlerts);
        assert.equal(after?.pendingMark, pendingAlertsMark(['b', 'd']));
        assert.notEqual(after?.pendingMark, before?.pendingMark);
        assert.deepEqual(await (await engine.another()).summary(claimId(1)), after);
        await repo.update(claimId(1), (stored) => ({
          next: { ...stored, outbox: stored.outbox.map((alert) => ({ ...alert, state: 'sent' as const })) },
          result: undefined,
        }));
        assert.equal((await repo.summary(claimId(1)))?.pendingMark, undefined);
      });
    });

    describe('concurrency', () => {
      it('applies 20 concurrent updates of one claim, none lost', async function () {
        this.timeout(30_000);
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        const results = await Promise.all(Array.from({ length: 20 }, () => repo.update(claimId(1), bump)));
        assert.deepEqual(sorted(results.map(String)), sorted(Array.from({ length: 20 }, (_, i) => String(i + 2))));
        assert.equal((await repo.get(claimId(1)))?.claim.version, 21);
      });

      it('lets exactly one of 20 concurrent decisions on the version they saw win', async function () {
        this.timeout(30_000);
        await repo.insert(makeClaimDocument({ id: claimId(1) }));
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => repo.update(claimId(1), decideAt(1))));
        assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') assert.equal((outcome.reason as { stale?: boolean }).stale, true);
        }
        const stored = (await repo.get(claimId(1)))!;
        assert.equal(stored.claim.version, 2);
        assert.deepEqual(
          stored.outbox.map((alert) => alert.id),
          ['decision-2'],
        );
      });

      it('allocates unique, consecutive ids per year, also concurrently', async () => {
        const ids = await Promise.all(Array.from({ length: 25 }, () => repo.allocateId(new Date('2026-06-01T00:00:00Z'))));
        assert.deepEqual(
          sorted(ids),
          Array.from({ length: 25 }, (_, i) => claimId(i + 1)),
        );
        assert.equal(await repo.allocateId(new Date('2027-01-01T00:00:00Z')), claimId(1, 2027));
        assert.equal(await (await engine.another()).allocateId(new Date('2026-12-31T23:59:59Z')), claimId(26));
      });
    });

    describe('queries', () => {
      const A1 = claimId(1);
      const A2 = claimId(2);
      const B1 = claimId(3);
      const B2 = claimId(4);

      async function seed(): Promise<void> {
        const a1 = makeClaimDocument({ id: A1, timers: [makeTimer('2026-03-05T09:00:00.000Z')] });
        a1.outbox.push(makeAlert(a1.claim));
        const a2 = makeClaimDocument({ id: A2, status: 'Draft', submittedAt: undefined });
        const b1 = makeClaimDocument({
          id: B1,
          partnerTenantId: PARTNER_TENANT_B,
          status: 'Approved',
          consentPhase: 'window-open',
          statusSince: '2026-03-01T09:00:00.000Z',
          details: { program: 'OSA', activity: 'Presales', subscriptionId: SUBSCRIPTION_ID, workloads: ['Power BI'] },
          timers: [
            makeTimer('2026-03-01T09:00:00.000Z', { firedAt: '2026-03-01T09:00:01.000Z' }),
            makeTimer('2026-03-04T09:00:00.000Z', { deadline: 'consentWindow' }),
          ],
        });
        const b2 = makeClaimDocument({
          id: B2,
          partnerTenantId: PARTNER_TENANT_B,
          status: 'Rejected',
          rejection: { reason: 'customer-declined', at: FIXTURE_NOW, final: true },
        });
        b2.outbox.push(makeAlert(b2.claim, { state: 'sent', attempts: 1, sentAt: FIXTURE_NOW }));
        for (const document of [a1, a2, b1, b2]) await repo.insert(document);
      }

      async function answers(store: ClaimRepository) {
        return {
          count: await store.count(),
          organisationA: await idsIn(store, { partnerTenantId: PARTNER_TENANT_A }),
          organisationB: await idsIn(store, { partnerTenantId: PARTNER_TENANT_B }),
          submittedOrApproved: sorted(await store.idsInStatuses(['Submitted', 'Approved'])),
          rejected: await store.idsInStatuses(['Rejected']),
          teamsKey: await store.activeIdsForKey(TEAMS_KEY),
          subscriptionKey: await store.activeIdsForKey(SUBSCRIPTION_KEY),
          customer: await idsIn(store, { customerTenantId: CUSTOMER_TENANT.toUpperCase() }),
          nextDue: await store.nextDue(),
          pendingAlerts: await store.idsWithPendingAlerts(),
          summaries: (await store.summaries([B1, A2, 'CPOR-2026-999999'])).sort((a, b) => a.id.localeCompare(b.id)),
          pendingOf: [...(await store.pendingAlertsOf([B1, A1, 'CPOR-2026-999999']))]
            .map(([id, { pendingAlerts, pendingMark }]) => [id, { pendingAlerts, ...(pendingMark === undefined ? {} : { pendingMark }) }] as const)
            .sort(([a], [b]) => a.localeCompare(b)),
        };
      }

      it('answers every query the service makes, the same after a restart or from another instance', async () => {
        await seed();
        const before = await answers(repo);
        assert.deepEqual(
          { ...before, summaries: before.summaries.map((summary) => summary.id), pendingOf: before.pendingOf.map(([id]) => id) },
          {
            count: 4,
            organisationA: [A1, A2],
            organisationB: [B1, B2],
            submittedOrApproved: [A1, B1],
            rejected: [B2],
            // A2 is a draft and B2 a final rejection: neither competes for a record key.
            teamsKey: [A1],
            subscriptionKey: [B1],
            customer: [A1, A2, B2],
            nextDue: { claimId: B1, dueAt: at('2026-03-04T09:00:00.000Z') },
            pendingAlerts: [A1],
            summaries: [A2, B1],
            pendingOf: [A1, B1],
          },
        );
        assert.deepEqual(before.summaries[1], {
          id: B1,
          partnerTenantId: PARTNER_TENANT_B,
          customerTenantId: undefined,
          status: 'Approved',
          consentPhase: 'window-open',
          statusSince: '2026-03-01T09:00:00.000Z',
          createdAt: FIXTURE_NOW,
          recordKeys: [SUBSCRIPTION_KEY],
          active: true,
          nextDueAt: at('2026-03-04T09:00:00.000Z'),
          pendingAlerts: 0,
          pendingMark: undefined,
          precheckMark: undefined,
        });
        assert.deepEqual(await repo.summary(B1), before.summaries[1]);
        // A1's one alert pending, named by its mark; none of B1's; the claim that does not exist left out.
        const a1 = await repo.get(A1);
        assert.deepEqual(before.pendingOf, [
          [A1, { pendingAlerts: 1, pendingMark: pendingAlertsMark(a1!.outbox.map((alert) => alert.id)) }],
          [B1, { pendingAlerts: 0 }],
        ]);
        assert.equal(before.pendingOf[0]![1].pendingMark, (await repo.summary(A1))?.pendingMark, 'the mark its summary has');
        assert.deepEqual(await answers(await engine.another()), before);
      });

      it('finds claims by the words of their id, customer and partner, newest first, within an organisation', async () => {
        const details = (domain: string, contact: string) => ({
          program: 'OSU-M365' as const,
          customerDomain: domain,
          customerContact: { name: contact, title: 'CIO', email: `it@${domain}` },
        });
        const older = makeClaimDocument({ statusSince: '2026-03-01T09:00:00.000Z', details: details('fabrikam.com', 'Dana Customer') });
        const newer = makeClaimDocument({ statusSince: '2026-03-02T09:00:00.000Z', details: details('fabrikam-eu.com', 'Eva Ström') });
        const other = makeClaimDocument({
          partnerTenantId: PARTNER_TENANT_B,
          partnerName: 'Northwind 100%_Advisors',
          details: details('tailspin.com', 'Terry'),
        });
        for (const document of [older, newer, other]) await repo.insert(document);
        const search = (text: string, partnerTenantId?: string, limit = 10) =>
          repo.searchIds({ text, limit, scope: partnerTenantId === undefined ? 'all' : { partnerTenantId } });

        assert.deepEqual(await search('FABRIKAM'), [newer.claim.id, older.claim.id]);
        assert.deepEqual(await search('fabrikam', undefined, 1), [newer.claim.id]);
        assert.deepEqual(await search('ström'), [newer.claim.id], 'names match case-insensitively, accents kept');
        assert.deepEqual(await search(older.claim.id.toLowerCase()), [older.claim.id]);
        assert.deepEqual(await search('tailspin', PARTNER_TENANT_A), [], "another organisation's claim is not in this one's search");
        assert.deepEqual(await search('tailspin', PARTNER_TENANT_B), [other.claim.id]);
        // LIKE's own characters are matched as themselves.
        assert.deepEqual(await search('100%_'), [other.claim.id]);
        assert.deepEqual(await search('1%0'), []);
        assert.deepEqual(sorted(await search('', PARTNER_TENANT_A)), sorted([older.claim.id, newer.claim.id]));

        // A change to the customer changes what finds it, on this instance and on another.
        await repo.update(older.claim.id, (stored) => {
          const current = structuredClone(stored);
          current.claim.details.customerDomain = 'litware.com';
          current.claim.details.customerContact = { name: 'Lee Litware', title: 'CIO', email: 'lee@litware.com' };
          current.claim.version += 1;
          return { next: current, result: undefined };
        });
        for (const store of [repo, await engine.another()]) {
          assert.deepEqual(await store.searchIds({ text: 'litware', scope: 'all', limit: 10 }), [older.claim.id]);
          assert.deepEqual(await store.searchIds({ text: 'fabrikam.com', scope: 'all', limit: 10 }), []);
        }
      });

      it('pages claims by when their status changed, newest or oldest first, ties by id, in the scope and statuses asked', async () => {
        const OTHER_CUSTOMER = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
        const document = (n: number, status: Claim['status'], statusSince: string, partnerTenantId: string, customerTenantId: string) => {
          const stored = makeClaimDocument({ id: claimId(n), status, statusSince, partnerTenantId });
          stored.claim.details = { ...stored.claim.details, customerTenantId };
          return stored;
        };
        for (const stored of [
          document(1, 'InReview', '2026-03-02T09:00:00.000Z', PARTNER_TENANT_A, CUSTOMER_TENANT),
          document(2, 'Submitted', '2026-03-01T09:00:00.000Z', PARTNER_TENANT_A, CUSTOMER_TENANT),
          document(3, 'InReview', '2026-03-03T09:00:00.000Z', PARTNER_TENANT_B, CUSTOMER_TENANT),
          document(4, 'Approved', '2026-03-02T09:00:00.000Z', PARTNER_TENANT_A, OTHER_CUSTOMER),
          document(5, 'InReview', '2026-03-02T09:00:00.000Z', PARTNER_TENANT_B, OTHER_CUSTOMER),
        ]) {
          await repo.insert(stored);
        }
        const ids = (...numbers: number[]) => numbers.map((n) => claimId(n));
        const organisationA = { partnerTenantId: PARTNER_TENANT_A };
        const customer = { customerTenantId: CUSTOMER_TENANT };
        const otherCustomer = { customerTenantId: OTHER_CUSTOMER.toUpperCase() };

        assert.deepEqual(await repo.pageOf('all', { order: 'newest', limit: 10 }), { total: 5, ids: ids(3, 5, 4, 1, 2) }, 'every claim');
        assert.deepEqual(await repo.pageOf('all', { order: 'oldest', limit: 10 }), { total: 5, ids: ids(2, 1, 4, 5, 3) });
        assert.deepEqual(await repo.pageOf('all', { order: 'newest', offset: 1, limit: 2 }), { total: 5, ids: ids(5, 4) });
        assert.deepEqual(await repo.pageOf('all', { order: 'oldest', statuses: ['InReview', 'Submitted'], limit: 3 }), { total: 4, ids: ids(2, 1, 5) });
        assert.deepEqual(await repo.pageOf('all', { order: 'oldest', statuses: ['InReview', 'Submitted'], offset: 1, limit: 2 }), { total: 4, ids: ids(1, 5) });
        assert.deepEqual(await repo.pageOf('all', { order: 'oldest', offset: 9, limit: 3 }), { total: 5, ids: [] }, 'past the end: the total still');

        assert.deepEqual(await repo.pageOf(organisationA, { order: 'newest', limit: 10 }), { total: 3, ids: ids(4, 1, 2) }, 'an organisation');
        assert.deepEqual(await repo.pageOf({ partnerTenantId: PARTNER_TENANT_B }, { order: 'oldest', statuses: ['InReview'], limit: 10 }), {
          total: 2,
          ids: ids(5, 3),
        });
        assert.deepEqual(
          await repo.pageOf({ partnerTenantId: CUSTOMER_TENANT }, { order: 'newest', limit: 10 }),
          { total: 0, ids: [] },
          'no such organisation',
        );
        assert.deepEqual(await repo.pageOf(customer, { order: 'newest', limit: 10 }), { total: 3, ids: ids(3, 1, 2) }, 'a customer tenant');
        assert.deepEqual(await repo.pageOf(otherCustomer, { order: 'newest', limit: 10 }), { total: 2, ids: ids(5, 4) }, 'a tenant id in another case');
        assert.deepEqual(await repo.pageOf(customer, { order: 'newest', statuses: ['Submitted'], limit: 10 }), { total: 1, ids: ids(2) });

        // A change of status moves the claim in the order, and a change of customer moves it to
        // the other customer's pages, on this instance and on another.
        const change = (n: number, edit: (claim: Claim) => void) =>
          repo.update(claimId(n), (stored) => {
            const current = structuredClone(stored);
            edit(current.claim);
            current.claim.version += 1;
            return { next: current, result: undefined };
          });
        await change(2, (claim) => {
          claim.status = 'InReview';
          claim.statusSince = '2026-03-04T09:00:00.000Z';
        });
        await change(4, (claim) => {
          claim.details = { ...claim.details, customerTenantId: CUSTOMER_TENANT };
        });
        for (const store of [repo, await engine.another()]) {
          assert.deepEqual(await store.pageOf('all', { order: 'newest', statuses: ['InReview'], limit: 2 }), { total: 4, ids: ids(2, 3) });
          assert.deepEqual(await store.pageOf(organisationA, { order: 'newest', statuses: ['InReview'], limit: 10 }), { total: 2, ids: ids(2, 1) });
          assert.deepEqual(await store.pageOf(customer, { order: 'newest', limit: 2 }), { total: 4, ids: ids(2, 3) });
          assert.deepEqual(await store.pageOf(otherCustomer, { order: 'newest', limit: 10 }), { total: 1, ids: ids(5) });
        }
      });

      it('orders due timers earliest first, ties by claim id, as they fire', async () => {
        const due = (n: number, iso: string) => ({ claimId: claimId(n), dueAt: at(iso) });
        assert.equal(await repo.nextDue(), undefined);
        await repo.insert(makeClaimDocument({ id: claimId(3), timers: [makeTimer('2026-03-10T09:00:00.000Z')] }));
        await repo.insert(makeClaimDocument({ id: claimId(2), timers: [makeTimer('2026-03-10T09:00:00.000Z')] }));
        await repo.insert(
          makeClaimDocument({
            id: claimId(1),
            timers: [makeTimer('2026-03-10T10:00:00.000Z'), makeTimer('2026-03-10T06:00:00.000Z', { firedAt: '2026-03-10T06:00:00.000Z' })],
          }),
        );
        assert.deepEqual(await repo.nextDue(), due(2, '2026-03-10T09:00:00.000Z'));
        const fire = (stored: ClaimDocument) => {
          const current = structuredClone(stored);
          current.claim.timers = current.claim.timers.map((timer) => ({ ...timer, firedAt: timer.firedAt ?? timer.dueAt }));
          return { next: current, result: undefined };
        };
        await repo.update(claimId(2), fire);
        assert.deepEqual(await repo.nextDue(), due(3, '2026-03-10T09:00:00.000Z'));
        await repo.update(claimId(3), fire);
        assert.deepEqual(await repo.nextDue(), due(1, '2026-03-10T10:00:00.000Z'));
        await repo.update(claimId(1), (stored) => {
          const current = structuredClone(stored);
          current.claim.timers.push(makeTimer('2026-03-09T00:00:00.000Z'));
          return { next: current, result: undefined };
        });
        assert.deepEqual(await repo.nextDue(), due(1, '2026-03-09T00:00:00.000Z'));
        await repo.update(claimId(1), fire);
        assert.equal(await repo.nextDue(), undefined);
      });

      it('orders claims with pending alerts by their oldest one, up to a limit', async () => {
        const withAlerts = (n: number, ...createdAt: string[]) => {
          const document = makeClaimDocument({ id: claimId(n) });
          document.outbox.push(...createdAt.map((time, i) => makeAlert(document.claim, { id: `alert-${n}-${i}`, createdAt: time })));
          return document;
        };
        await repo.insert(withAlerts(1, '2026-03-02T10:00:00.000Z'));
        await repo.insert(withAlerts(2, '2026-03-02T11:00:00.000Z', '2026-03-02T08:00:00.000Z'));
        await repo.insert(withAlerts(3, '2026-03-02T10:00:00.000Z'));
        await repo.insert(withAlerts(4));
        assert.deepEqual(await repo.idsWithPendingAlerts(), [claimId(2), claimId(1), claimId(3)]);
        assert.deepEqual(await repo.idsWithPendingAlerts(2), [claimId(2), claimId(1)]);
        await repo.update(claimId(2), (stored) => {
          const current = structuredClone(stored);
          current.outbox = current.outbox.map((alert) =>
            alert.createdAt === '2026-03-02T08:00:00.000Z' ? { ...alert, state: 'sent', sentAt: FIXTURE_NOW, attempts: 1 } : alert,
          );
          return { next: current, result: undefined };
        });
        assert.deepEqual(await repo.idsWithPendingAlerts(), [claimId(1), claimId(3), claimId(2)]);
        assert.equal((await repo.summary(claimId(2)))?.pendingAlerts, 1);
      });

      it('counts a claim active on its keys only while it competes', async () => {
        await repo.insert(makeClaimDocument({ id: claimId(1), status: 'Draft', submittedAt: undefined }));
        assert.deepEqual(await repo.activeIdsForKey(TEAMS_KEY), []);
        await repo.update(claimId(1), (stored) => {
          const current = structuredClone(stored);
          current.claim.status = 'Submitted';
          current.claim.details.workloads = ['Teams'];
          return { next: current, result: undefined };
        });
        assert.deepEqual(await repo.activeIdsForKey(TEAMS_KEY), [claimId(1)]);
        assert.deepEqual(await repo.idsInStatuses(['Draft']), []);
        assert.deepEqual(await repo.idsInStatuses(['Submitted']), [claimId(1)]);
      });
    });

    describe('pre-check marks', () => {
      const report = (checkerVersion: string): PrecheckReport => ({ checkerVersion, checkedAt: FIXTURE_NOW, units: 1, ocr: false, findings: [] });
      /** A PoE file whose report, by `checkerVersion`, was made on `claim`'s facts under `months` (none: months not kept). */
      const fileReadOn = (claim: Claim, name: string, checkerVersion: string, months?: number): PoeFile => ({
        id: `file-${name}`,
        name,
        contentType: 'application/pdf',
        size: 1000,
        sha256: 'a'.repeat(64),
        storagePath: `poe/${claim.id}/${name}`,
        uploadedBy: 'user-partner-1',
        uploadedAt: FIXTURE_NOW,
        precheck: {
          report: report(checkerVersion),
          factsDigest: factsDigest(precheckFactsOf(claim, months ?? 12)),
          ...(months === undefined ? {} : { maxDateAgeMonths: months }),
        },
      });
      const withFiles = (id: string, files: (claim: Claim) => PoeFile[], overrides: ClaimFixtureOverrides = {}) => {
        const document = makeClaimDocument({ id, ...overrides });
        return makeClaimDocument({ ...document.claim, poe: files(document.claim) });
      };

      it('keeps what every claim’s reports stand for, and finds the claims to read by it', async () => {
        const current = claimId(1);
        const older = claimId(2);
        const mixed = claimId(3);
        const edited = claimId(4);
        const noFiles = claimId(5);
        const unmarked = claimId(6);
        const finished = claimId(7);
        const documents = [
          withFiles(current, (claim) => [fileReadOn(claim, 'a.pdf', 'v1', 12), fileReadOn(claim, 'b.pdf', 'v1', 12)]),
          withFiles(older, (claim) => [fileReadOn(claim, 'a.pdf', 'v0', 12)]),
          withFiles(mixed, (claim) => [fileReadOn(claim, 'a.pdf', 'v1', 12), fileReadOn(claim, 'b.pdf', 'v1', 6)]),
          // Its facts changed after the report: the digest no longer matches.
          makeClaimDocument({ id: edited, poe: [fileReadOn(makeClaimDocument({ id: edited, partnerName: 'Before' }).claim, 'a.pdf', 'v1', 12)] }),
          makeClaimDocument({ id: noFiles }),
          withFiles(unmarked, (claim) => [fileReadOn(claim, 'a.pdf', 'v1')]),
          withFiles(finished, (claim) => [fileReadOn(claim, 'a.pdf', 'v0', 12)], { status: 'Approved' }),
        ];
        for (const document of documents) await repo.insert(document);

        const marks = Object.fromEntries(
          (await repo.summaries(documents.map((document) => document.claim.id))).map((summary) => [summary.id, summary.precheckMark]),
        );
        assert.deepEqual(marks, {
          [current]: precheckMark('v1', 12),
          [older]: precheckMark('v0', 12),
          [mixed]: undefined,
          [edited]: undefined,
          [noFiles]: NO_FILES_PRECHECK_MARK,
          [unmarked]: undefined,
          // The pre-check no longer reads it.
          [finished]: undefined,
        });
        const open = ['Submitted', 'Draft'] as const;
        const settled = [NO_FILES_PRECHECK_MARK, precheckMark('v1', 12)];
        assert.deepEqual(sorted(await repo.idsToPrecheck(open, settled)), [older, mixed, edited, unmarked]);
        assert.deepEqual(sorted(await (await engine.another()).idsToPrecheck(open, settled)), [older, mixed, edited, unmarked]);
        // Another date limit in the policy: every claim with files is read again.
        assert.deepEqual(sorted(await repo.idsToPrecheck(open, [NO_FILES_PRECHECK_MARK, precheckMark('v1', 6)])), [current, older, mixed, edited, unmarked]);

        // A report recorded on the current facts moves the claim out; an edit of the facts moves it back.
        await repo.update(older, (document) => ({
          next: { ...document, claim: { ...document.claim, version: 2, poe: [fileReadOn(document.claim, 'a.pdf', 'v1', 12)] } },
          result: undefined,
        }));
        assert.deepEqual(sorted(await repo.idsToPrecheck(open, settled)), [mixed, edited, unmarked]);
        await repo.update(current, (document) => ({
          next: { ...document, claim: { ...document.claim, version: 2, partnerName: 'Renamed Ltd' } },
          result: undefined,
        }));
        assert.deepEqual(sorted(await repo.idsToPrecheck(open, settled)), [current, mixed, edited, unmarked]);
        assert.equal((await repo.summary(current))?.precheckMark, undefined);
      });
    });

    describe('leases', () => {
      const T0 = new Date('2026-03-10T09:00:00.000Z');
      const LEASE_MS = 60_000;
      const terms = (owner: string, now = T0, limit = 10) => ({ now, owner, leaseMs: LEASE_MS, limit });
      const later = (ms: number) => new Date(T0.getTime() + ms);
      const ids = (timers: { claimId: string }[]) => timers.map((timer) => timer.claimId);

      /** Five claims with a timer due before T0 (claim 5 earliest) and one due after it. */
      async function dueClaims(): Promise<void> {
        const dueTimes = ['08:05', '08:04', '08:03', '08:02', '08:01'];
        for (const [index, time] of dueTimes.entries()) {
          await repo.insert(makeClaimDocument({ id: claimId(index + 1), timers: [makeTimer(`2026-03-10T${time}:00.000Z`)] }));
        }
        await repo.insert(makeClaimDocument({ id: claimId(6), timers: [makeTimer('2026-03-10T10:00:00.000Z')] }));
      }

      it('gives two owners disjoint due timers, earliest first, and nothing not yet due', async () => {
        await dueClaims();
        const first = await repo.leaseDueTimers(terms('instance-a', T0, 3));
        assert.deepEqual(ids(first), [claimId(5), claimId(4), claimId(3)]);
        assert.equal(first[0]!.dueAt, at('2026-03-10T08:01:00.000Z'));
        const second = await repo.leaseDueTimers(terms('instance-b'));
        assert.deepEqual(ids(second), [claimId(2), claimId(1)], 'the rest of what is due, not claim 6');
        assert.deepEqual(await repo.leaseDueTimers(terms('instance-c')), []);
        // An owner asking again gets what it holds back (renewed), still earliest first.
        assert.deepEqual(ids(await repo.leaseDueTimers(terms('instance-a', later(1000)))), [claimId(5), claimId(4), claimId(3)]);
      });

      it('lets a lease lapse by the clock, and another owner take the work over', async () => {
        await dueClaims();
        assert.equal((await repo.leaseDueTimers(terms('instance-a'))).length, 5);
        assert.deepEqual(await repo.leaseDueTimers(terms('instance-b', later(LEASE_MS - 1))), [], 'still held a millisecond before it ends');
        assert.deepEqual(await repo.renewLeases('timers', [claimId(1), claimId(2)], { now: later(LEASE_MS - 1), owner: 'instance-b', leaseMs: LEASE_MS }), []);
        // Renewed by its owner, claim 1 stays held past the first expiry; the others lapse.
        assert.deepEqual(await repo.renewLeases('timers', [claimId(1)], { now: later(LEASE_MS - 1), owner: 'instance-a', leaseMs: LEASE_MS }), [claimId(1)]);
        const takenOver = await repo.leaseDueTimers(terms('instance-b', later(LEASE_MS)));
        assert.deepEqual(ids(takenOver), [claimId(5), claimId(4), claimId(3), claimId(2)]);
        assert.deepEqual(await repo.renewLeases('timers', [claimId(2), claimId(1)], { now: later(LEASE_MS), owner: 'instance-a', leaseMs: LEASE_MS }), [
          claimId(1),
        ]);
      });

      it('frees released leases at once, and only its owner can release one', async () => {
        await dueClaims();
        await repo.leaseDueTimers(terms('instance-a'));
        await repo.releaseLeases('timers', [claimId(5), claimId(4)], 'instance-b');
        assert.deepEqual(await repo.leaseDueTimers(terms('instance-b')), []);
        await repo.releaseLeases('timers', [claimId(5), claimId(4)], 'instance-a');
        assert.deepEqual(ids(await repo.leaseDueTimers(terms('instance-b'))), [claimId(5), claimId(4)]);
      });

      it('keeps a lease through updates of the claim, and separate from the alert lease', async () => {
        await dueClaims();
        await repo.update(claimId(5), (stored) => {
          const current = structuredClone(stored);
          current.outbox.push(makeAlert(current.claim, { id: 'reminder' }));
          return { next: current, result: undefined };
        });
        assert.deepEqual(ids(await repo.leaseDueTimers(terms('instance-a', T0, 1))), [claimId(5)]);
        await repo.update(claimId(5), bump);
        assert.deepEqual(ids(await repo.leaseDueTimers(terms('instance-b', T0, 1))), [claimId(4)]);
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-b')), [claimId(5)], 'its alerts are another lease');
      });

      it('leases claims with pending alerts disjointly, oldest alert first, lapsing and released alike', async () => {
        const created = ['2026-03-02T08:30:00.000Z', '2026-03-02T08:00:00.000Z', '2026-03-02T09:00:00.000Z'];
        for (const [index, createdAt] of created.entries()) {
          const document = makeClaimDocument({ id: claimId(index + 1) });
          document.outbox.push(makeAlert(document.claim, { createdAt }));
          await repo.insert(document);
        }
        await repo.insert(makeClaimDocument({ id: claimId(4) }));
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-a', T0, 2)), [claimId(2), claimId(1)]);
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-b')), [claimId(3)]);
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-c')), []);
        await repo.releaseLeases('alerts', [claimId(1)], 'instance-a');
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-c')), [claimId(1)]);
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-c', later(LEASE_MS))), [claimId(2), claimId(1), claimId(3)]);
        // Sent: the claim has nothing pending and is offered to nobody.
        await repo.update(claimId(2), (stored) => {
          const current = structuredClone(stored);
          current.outbox = current.outbox.map((alert) => ({ ...alert, state: 'sent', sentAt: FIXTURE_NOW, attempts: 1 }));
          return { next: current, result: undefined };
        });
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-d', later(3 * LEASE_MS))), [claimId(1), claimId(3)]);
      });

      it('leaves out the claims an owner holds when asked, and leases only those named when asked', async () => {
        const created = ['2026-03-02T08:30:00.000Z', '2026-03-02T08:00:00.000Z', '2026-03-02T09:00:00.000Z', '2026-03-02T09:30:00.000Z'];
        for (const [index, createdAt] of created.entries()) {
          const document = makeClaimDocument({ id: claimId(index + 1) });
          document.outbox.push(makeAlert(document.claim, { createdAt }));
          await repo.insert(document);
        }
        await repo.insert(makeClaimDocument({ id: claimId(5) }));
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-a', T0, 1)), [claimId(2)]);
        assert.deepEqual(await repo.leasePendingAlerts(terms('instance-b', T0, 1)), [claimId(1)]);
        // Its own claim 2 is left out, the other's claim 1 too: the next free ones come.
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a', T0, 1), skipOwn: true }), [claimId(3)]);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a'), skipOwn: true }), [claimId(4)]);
        // What a restart under instance-a's name takes back: its unexpired leases, of alerts only.
        assert.deepEqual(sorted(await repo.idsLeasedTo('alerts', 'instance-a', T0)), [claimId(2), claimId(3), claimId(4)]);
        assert.deepEqual(await repo.idsLeasedTo('timers', 'instance-a', T0), []);
        assert.deepEqual(await repo.idsLeasedTo('alerts', 'instance-a', later(LEASE_MS)), [], 'lapsed');
        // Once lapsed, its own claims are free again, to itself as to anyone.
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a', later(LEASE_MS)), skipOwn: true }), [
          claimId(2),
          claimId(1),
          claimId(3),
          claimId(4),
        ]);

        // Named claims: its own are renewed, free ones taken, the other's and those with nothing pending left.
        const among = [claimId(5), claimId(4), claimId(1), claimId(2), 'no-such-claim'];
        const now = later(2 * LEASE_MS);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-b', now, 1), among: [claimId(1)] }), [claimId(1)]);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a', now, 1), among: [claimId(4)] }), [claimId(4)]);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a', now), among }), [claimId(2), claimId(4)]);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-a', now), among: [] }), []);
        assert.deepEqual(await repo.leasePendingAlerts({ ...terms('instance-c', now) }), [claimId(3)], 'claim 3, never named, stays free');
      });
    });
  });
}

claimRepositoryContract('files');
claimRepositoryContract('postgres');
