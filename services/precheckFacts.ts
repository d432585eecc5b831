import { createHash } from 'node:crypto';
import type { Workload } from './catalogue.js';
import type { Claim, Status } from './model.js';
import { PRECHECKS, type PrecheckFacts, type PrecheckReport, type StoredPrecheck } from './precheck.js';
import { StringPool } from './stringPool.js';

// What a claim says that its PoE files are read against, and when a stored report still stands.

/** What the claim says that a file is read against; `maxDateAgeMonths` is the policy's. */
export function precheckFactsOf(claim: Claim, maxDateAgeMonths: number): PrecheckFacts {
  const { details } = claim;
  return {
    partnerName: claim.partnerName,
    ...(details.partnerId ? { partnerId: details.partnerId } : {}),
    ...(details.customerDomain ? { customerDomain: details.customerDomain } : {}),
    ...(details.customerTenantId ? { customerTenantId: details.customerTenantId } : {}),
    ...(details.customerContact ? { customerContact: { name: details.customerContact.name, email: details.customerContact.email } } : {}),
    workloads: [...(details.workloads ?? [])].sort() as Workload[],
    // The day only: a claim's date moves a check only when it moves to another day.
    claimDate: (claim.submittedAt ?? claim.createdAt).slice(0, 10),
    maxDateAgeMonths,
  };
}

/** A digest of the facts in a fixed field order, so equal facts always give the same digest. */
export function factsDigest(facts: PrecheckFacts): string {
  return createHash('sha256').update(factsText(facts)).digest('hex');
}

/** The text a digest is made of: the facts in that order, as JSON. */
export function factsText(facts: PrecheckFacts): string {
  const ordered = [
    facts.partnerName,
    facts.partnerId ?? null,
    facts.customerDomain ?? null,
    facts.customerTenantId?.toLowerCase() ?? null,
    facts.customerContact ? [facts.customerContact.name, facts.customerContact.email.toLowerCase()] : null,
    [...facts.workloads].sort(),
    facts.claimDate,
    facts.maxDateAgeMonths,
  ];
  return JSON.stringify(ordered);
}

/** Whether a stored report still stands: made by this checker, against these facts. */
export function isCurrent(stored: StoredPrecheck | undefined, checkerVersion: string, digest: string): boolean {
  return stored !== undefined && stored.report.checkerVersion === checkerVersion && stored.factsDigest === digest;
}

/** Claims whose files are still read by someone: a finished claim's files are not checked again. */
export const PRECHECKED_STATUSES: readonly Status[] = ['Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Rejected', 'Disputed'];

/** The mark of a claim without PoE files: there is nothing to check. */
export const NO_FILES_PRECHECK_MARK = 'no-files';

/** Each mark made once: a store's index keeps one per checked claim, which need not be a copy each. */
const madeMarks = new StringPool();

/** The mark of a claim whose every file has a report of this checker on its facts under this date limit. */
export function precheckMark(checkerVersion: string, maxDateAgeMonths: number): string {
  return madeMarks.keep(`${maxDateAgeMonths} ${checkerVersion}`);
}

/**
 * What a claim's reports stand for, from the claim alone, so a store can keep it indexed and a
 * sweep reads only the claims whose mark is not the current one: `precheckMark` when every file's
 * report is of one checker and current against the claim's facts under one date limit,
 * `NO_FILES_PRECHECK_MARK` without files, otherwise none (a file to check, a report of before
 * the limit was kept with it, or a claim the pre-check no longer reads).
 */
export function precheckMarkOf(claim: Claim): string | undefined {
  // A claim the pre-check no longer reads needs no mark (and a write of it no digest).
  if (!PRECHECKED_STATUSES.includes(claim.status)) return undefined;
  const [first] = claim.poe;
  if (!first) return NO_FILES_PRECHECK_MARK;
  const months = first.precheck?.maxDateAgeMonths;
  if (months === undefined) return undefined;
  const version = first.precheck!.report.checkerVersion;
  const digest = factsDigest(precheckFactsOf(claim, months));
  const current = claim.poe.every((file) => file.precheck?.maxDateAgeMonths === months && isCurrent(file.precheck, version, digest));
  return current ? precheckMark(version, months) : undefined;
}

/** The checks a report met, as a set: two reports meeting the same checks say the same to a partner. */
export function metChecks(report: PrecheckReport): string {
  return report.unreadable
    ? `unreadable:${report.unreadable}`
    : PRECHECKS.filter((check) => report.findings.some((finding) => finding.check === check && finding.found)).join(',');
}
