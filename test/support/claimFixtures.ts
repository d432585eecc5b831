import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaimDocumentSchema, type Alert, type Claim, type ClaimDocument, type HistoryEntry, type Timer } from '../../services/model.js';

// Schema-valid claim documents for tests, and throw-away data folders. Every document is run
// through ClaimDocumentSchema.parse, so a fixture can never drift from the stored shape.

export const FIXTURE_NOW = '2026-03-02T09:00:00.000Z';
export const PARTNER_TENANT_A = '6f1d2c3b-4a5e-4f60-8a7b-1c2d3e4f5a6b';
export const PARTNER_TENANT_B = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
export const CUSTOMER_TENANT = 'd4c3b2a1-9f8e-4d7c-b6a5-0f1e2d3c4b5a';
export const SUBSCRIPTION_ID = '11111111-2222-4333-8444-555555555555';

let fixtureSequence = 0;

/** A claim id in the stored format, e.g. claimId(1) === 'CPOR-2026-000001'. */
export function claimId(sequence: number, year = 2026): string {
  return `CPOR-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Overrides for any claim field (replaced, not merged; `undefined` removes it), plus the outbox. */
export type ClaimFixtureOverrides = Partial<Claim> & { outbox?: Alert[] };

/**
 * A submitted OSU-M365 claim for PARTNER_TENANT_A on CUSTOMER_TENANT (record keys
 * `m365:<tenant>:Teams` and `m365:<tenant>:Exchange`), version 1, no timers and an empty outbox,
 * unless overridden. Ids count up from CPOR-2026-000001 per test process when not given.
 */
export function makeClaimDocument(overrides: ClaimFixtureOverrides = {}): ClaimDocument {
  const { outbox = [], ...claimOverrides } = overrides;
  fixtureSequence += 1;
  const claim: Claim = {
    id: claimId(fixtureSequence),
    version: 1,
    createdAt: FIXTURE_NOW,
    updatedAt: FIXTURE_NOW,
    createdBy: 'user-partner-1',
    partnerTenantId: PARTNER_TENANT_A,
    partnerName: 'Contoso Partners Ltd',
    status: 'Submitted',
    statusSince: FIXTURE_NOW,
    submittedAt: FIXTURE_NOW,
    details: {
      program: 'OSU-M365',
      activity: 'Usage',
      partnerId: '4512345',
      customerDomain: 'fabrikam.com',
      customerTenantId: CUSTOMER_TENANT,
      workloads: ['Teams', 'Exchange'],
      customerContact: { name: 'Dana Customer', title: 'IT Director', email: 'dana@fabrikam.com' },
      partnerContact: { name: 'Pat Partner', email: 'pat@contoso-partners.com' },
    },
    disputesUsed: 0,
    deadlines: {},
    timers: [],
    poe: [],
    comments: [],
    history: [],
    ...claimOverrides,
  };
  // An override of `undefined` removes the field, as it would be absent from a stored file.
  for (const key of Object.keys(claim) as (keyof Claim)[]) if (claim[key] === undefined) delete claim[key];
  return ClaimDocumentSchema.parse({ claim, outbox });
}

/** A timer still to fire unless `firedAt` is given. */
export function makeTimer(dueAt: string, overrides: Partial<Timer> = {}): Timer {
  return { deadline: 'reviewStart', kind: 'due', dueAt, ...overrides };
}

export function makeAlert(claim: Pick<Claim, 'id' | 'version'>, overrides: Partial<Alert> = {}): Alert {
  return {
    id: `alert-${claim.id}-${claim.version}`,
    dedupeKey: `${claim.id}:${claim.version}:claim-submitted:reviewers`,
    kind: 'claim-submitted',
    to: 'reviewers',
    claimId: claim.id,
    claimVersion: claim.version,
    createdAt: FIXTURE_NOW,
    data: {},
    state: 'pending',
    attempts: 0,
    ...overrides,
  };
}

export function makeHistoryEntry(seq: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    seq,
    at: FIXTURE_NOW,
    actorId: 'user-partner-1',
    role: 'incentives-admin',
    action: 'edit',
    changes: [],
    ...overrides,
  };
}

export interface TempDataDir {
  readonly path: string;
  /** Removes the folder and everything in it; safe to call more than once. */
  remove(): Promise<void>;
}

const liveTempDirs = new Set<string>();

/** A fresh, empty folder under the system temp folder. */
export async function tempDataDir(prefix = 'cpor-store-'): Promise<TempDataDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  liveTempDirs.add(path);
  return {
    path,
    async remove() {
      liveTempDirs.delete(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Removes every folder tempDataDir made in this process that is still there (for `after` hooks). */
export async function removeAllTempDataDirs(): Promise<void> {
  const paths = [...liveTempDirs];
  liveTempDirs.clear();
  await Promise.all(paths.map((path) => rm(path, { recursive: true, force: true })));
}
