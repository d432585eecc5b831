import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Role } from '../../services/actor.js';
import { ClaimService } from '../../services/claimService.js';
import { systemClock, type Clock } from '../../services/clock.js';
import type { Claim, ClaimDetails, PoeInput } from '../../services/model.js';
import { createPolicy, type PolicyName } from '../../services/policy.js';
import { LowdbClaimRepository } from '../../storage/files/lowdbClaimRepository.js';

// A claim service on a real store in a throw-away folder, with a clock the test moves by hand,
// and the people of SPEC section 1.

export const PARTNER_TENANT = '11111111-1111-4111-8111-111111111111';
export const OTHER_PARTNER_TENANT = '22222222-2222-4222-8222-222222222222';
export const CUSTOMER_TENANT = '33333333-3333-4333-8333-333333333333';
export const OTHER_CUSTOMER_TENANT = '44444444-4444-4444-8444-444444444444';
export const REVIEW_TENANT = '55555555-5555-4555-8555-555555555555';
export const SUBSCRIPTION = '66666666-6666-4666-8666-666666666666';

/** Monday 2026-11-23 09:00 UTC: a business day with a full week ahead. */
export const MONDAY = new Date('2026-11-23T09:00:00.000Z');

export const partner = (role: Role = 'incentives-admin', userId = `partner-${role}`): Actor => ({
  userId,
  tenantId: PARTNER_TENANT,
  displayName: `Partner ${role}`,
  roles: [role],
  organisation: { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345', '4512346'] },
});

export const otherPartner = (role: Role = 'incentives-admin'): Actor => ({
  userId: `other-${role}`,
  tenantId: OTHER_PARTNER_TENANT,
  roles: [role],
  organisation: { tenantId: OTHER_PARTNER_TENANT, name: 'Northwind Advisors', partnerIds: ['7700001'] },
});

export const reviewer = (userId = 'reviewer-1'): Actor => ({ userId, tenantId: REVIEW_TENANT, roles: ['reviewer'] });

/** A reviewer who also belongs to the claim's partner organisation. */
export const ownOrganisationReviewer = (): Actor => ({
  userId: 'reviewer-contoso',
  tenantId: PARTNER_TENANT,
  roles: ['reviewer'],
  organisation: { tenantId: PARTNER_TENANT, name: 'Contoso Partners', partnerIds: ['4512345'] },
});

export const customer = (tenantId = CUSTOMER_TENANT): Actor => ({ userId: `customer-${tenantId.slice(0, 4)}`, tenantId, roles: [] });

export function m365Details(overrides: Partial<ClaimDetails> = {}): Partial<ClaimDetails> {
  return {
    program: 'OSU-M365',
    activity: 'Usage',
    partnerId: '4512345',
    customerDomain: 'fabrikam.onmicrosoft.com',
    customerTenantId: CUSTOMER_TENANT,
    workloads: ['Teams', 'Exchange'],
    customerContact: { name: 'Dana Customer', title: 'IT Director', email: 'dana@fabrikam.com' },
    partnerContact: { name: 'Pat Partner', email: 'pat@contoso.com' },
    ...overrides,
  };
}

export function bizAppsDetails(overrides: Partial<ClaimDetails> = {}): Partial<ClaimDetails> {
  return m365Details({
    program: 'OSU-BizApps',
    activity: 'Revenue association',
    workloads: ['Dynamics 365 Sales'],
    subscriptionId: SUBSCRIPTION,
    technicalContact: { name: 'Tech Person', email: 'tech@fabrikam.com' },
    ...overrides,
  });
}

export function poeFile(name = 'signed-acknowledgement.pdf', size = 120_000): PoeInput {
  return {
    name,
    contentType: 'application/pdf',
    size,
    sha256: 'a'.repeat(64),
    storagePath: `poe/${name}`,
  };
}

export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
  /**
   * Waits in real time, then moves the clock to the wake-up instant (never backwards), so a
   * worker's backoff and rate windows end while the test otherwise holds time still.
   */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const from = this.current.getTime();
    const started = performance.now();
    await systemClock.sleep(ms, signal);
    const slept = signal?.aborted ? Math.min(ms, performance.now() - started) : ms;
    this.current = new Date(Math.max(this.current.getTime(), from + Math.round(Math.max(0, slept))));
  }
}

export interface Harness {
  service: ClaimService;
  repository: LowdbClaimRepository;
  clock: ManualClock;
  dataDir: string;
  /** A new service and store on the same folder, as after a restart. */
  restart(): Promise<Harness>;
  cleanup(): Promise<void>;
}

export async function createHarness(
  options: { policy?: PolicyName; start?: Date; timeZone?: string; holidays?: string[]; dataDir?: string } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cpor-service-')));
  const clock = new ManualClock(options.start ?? MONDAY);
  const repository = new LowdbClaimRepository({ dataDir });
  await repository.open();
  const policy = createPolicy({ name: options.policy, timeZone: options.timeZone, holidays: options.holidays });
  const service = new ClaimService({ repository, policy, clock });
  const harness: Harness = {
    service,
    repository,
    clock,
    dataDir,
    restart: async () => {
      await repository.close();
      const next = await createHarness({ ...options, dataDir, start: clock.now() });
      return next;
    },
    cleanup: async () => {
      await repository.close();
      // A worker abandoned by a crash test may still be finishing a write: retry until it has.
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
  return harness;
}

/** The statuses a test can ask a claim to be brought to. */
export type Stage = 'Draft' | 'Submitted' | 'InReview' | 'PartnerActionRequired' | 'Approved' | 'Associated' | 'Rejected' | 'Disputed';

/** Creates a complete claim and takes it through the lifecycle to `stage`, as real users would. */
export async function claimAt(harness: Harness, stage: Stage, details: Partial<ClaimDetails> = m365Details(), by: Actor = partner()): Promise<Claim> {
  const { service } = harness;
  let claim = await service.create(by, details);
  claim = await service.addPoe(by, claim.id, claim.version, poeFile());
  if (stage === 'Draft') return claim;
  claim = await service.submit(by, claim.id, claim.version);
  if (stage === 'Submitted') return claim;
  claim = await service.startReview(reviewer(), claim.id, claim.version);
  if (stage === 'InReview') return claim;
  if (stage === 'PartnerActionRequired') {
    return service.requestInformation(reviewer(), claim.id, claim.version, {
      reasons: ['missing-customer-acknowledgement'],
      comment: 'Please attach the signed acknowledgement.',
    });
  }
  if (stage === 'Approved' || stage === 'Associated') {
    claim = await service.approve(reviewer(), claim.id, claim.version);
    if (stage === 'Approved') return claim;
    harness.clock.set(claim.deadlines.consentWindow!);
    await service.tick();
    return service.get(reviewer(), claim.id);
  }
  claim = await service.reject(reviewer(), claim.id, claim.version, {
    reason: 'insufficient-poe',
    comment: 'The PoE does not show the customer acknowledgement.',
  });
  if (stage === 'Rejected') return claim;
  return service.dispute(by, claim.id, claim.version, { justification: 'The acknowledgement is on page 3.' });
}
