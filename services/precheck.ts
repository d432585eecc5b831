import { z } from 'zod';
import { WORKLOADS } from './catalogue.js';
import type { InformationReason } from './informationReasons.js';

// What the PoE pre-check says about one file: a finding per check, each with the text that
// satisfied it (quoted, with where it was found) or what is missing. Stored beside the PoE file,
// so it is data read back: every field is checked on the way in.

export const PRECHECKS = ['customer-named', 'partner-named', 'products-named', 'partner-work-described', 'customer-acknowledgement', 'dates'] as const;
export type Precheck = (typeof PRECHECKS)[number];

/** Why a file's text could not be read; the report then has no findings. */
export const UNREADABLE_REASONS = ['scanned-image', 'encrypted', 'broken', 'too-large', 'too-many-pages', 'timed-out', 'unsupported'] as const;
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

export const EvidenceSchema = z.object({
  /** The words found, trimmed to a readable excerpt. */
  quote: z.string().min(1).max(300),
  /** Where: "page 3", "slide 2", "sheet Budget", "message", "attachment contract.pdf, page 1". */
  where: z.string().min(1).max(120),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const FindingSchema = z.object({
  check: z.enum(PRECHECKS),
  found: z.boolean(),
  evidence: z.array(EvidenceSchema).max(10),
  /** What was looked for and not found: the claimed workloads not named. */
  missingWorkloads: z.array(z.enum(WORKLOADS)).optional(),
  /** The latest date found (ISO day), and whether it is older than the policy allows. */
  latestDate: z.iso.date().optional(),
  tooOld: z.boolean().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const PrecheckReportSchema = z.object({
  /** The checker's version: a report from an older checker is re-run. */
  checkerVersion: z.string().min(1).max(40),
  checkedAt: z.iso.datetime(),
  /** Pages, slides, sheets or messages read. */
  units: z.number().int().nonnegative(),
  /** Set when no text could be read; `findings` is then empty. */
  unreadable: z.enum(UNREADABLE_REASONS).optional(),
  /** Set when only the first `units` were read: the file had more than the checker reads. */
  truncated: z.boolean().optional(),
  /** Whether any text came from OCR. */
  ocr: z.boolean(),
  findings: z.array(FindingSchema),
});
export type PrecheckReport = z.infer<typeof PrecheckReportSchema>;

/** What the claim says, which the file is read against. */
export interface PrecheckFacts {
  partnerName: string;
  partnerId?: string;
  customerDomain?: string;
  customerTenantId?: string;
  customerContact?: { name: string; email: string };
  workloads: readonly (typeof WORKLOADS)[number][];
  /** The claim's date (submitted, else created): dates are judged relative to it. */
  claimDate: string;
  /** How old the latest date may be, in months (a policy setting; 12 by default). */
  maxDateAgeMonths: number;
}

/** One file, as stored. */
export interface PrecheckInput {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** The reasons a reviewer would give for each check that was not met. */
export const REASON_FOR_CHECK: Readonly<Record<Precheck, InformationReason>> = {
  // A file naming neither the customer nor the partner does not show this claim's work at all.
  'customer-named': 'missing-all-poe',
  'partner-named': 'missing-all-poe',
  'products-named': 'missing-products',
  'partner-work-described': 'missing-partner-solution',
  'customer-acknowledgement': 'missing-customer-acknowledgement',
  dates: 'missing-or-old-dates',
};

/**
 * What turns bytes into a report: the engine (poe/precheck/) behind a port, so the runner and the
 * tests do not depend on how text is read. `version` is the checker's, as its reports carry it:
 * a report of another version is re-run.
 */
export interface PoeChecker {
  readonly version: string;
  check(input: PrecheckInput, facts: PrecheckFacts): Promise<PrecheckReport>;
  /** Frees what the checker holds (a worker thread); the app calls it once the runner stopped. */
  close?(): Promise<void>;
}

/**
 * A report as stored with its PoE file, with the digest of the facts it was read against and the
 * policy's date limit among them (reports stored before it was kept do not say).
 */
export const StoredPrecheckSchema = z.object({
  report: PrecheckReportSchema,
  factsDigest: z.string().regex(/^[0-9a-f]{64}$/),
  maxDateAgeMonths: z.number().int().positive().optional(),
});
export type StoredPrecheck = z.infer<typeof StoredPrecheckSchema>;

/** How old the latest date in a PoE may be when the policy does not say. */
export const DEFAULT_MAX_DATE_AGE_MONTHS = 12;
