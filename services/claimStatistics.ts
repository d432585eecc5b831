import type { Claim, HistoryEntry, Status } from './model.js';

// Reviewer statistics over a date range, computed from the claims' own history (the only record
// of when each status began and ended: `deadlines` hold the current status's only). Pure
// functions: the caller chooses which claims the reader may see and passes the time.

const DAY_MS = 24 * 60 * 60 * 1000;
/** The range a statistics request may cover: a year and a day, so a leap year fits. */
export const MAX_RANGE_DAYS = 367;

/** Whole UTC days, both ends included ("2026-11-01" to "2026-11-30"). */
export interface DayRange {
  from: string;
  to: string;
}

/** One uninterrupted stay of a claim in a status; `endedBy` is the history entry that ended it. */
export interface Stay {
  status: Status;
  since: number;
  until?: number;
  endedBy?: HistoryEntry;
}

/** A claim's stays, oldest first: created as a draft, then one per status change in its history. */
export function staysOf(claim: Claim): Stay[] {
  const stays: Stay[] = [{ status: 'Draft', since: Date.parse(claim.createdAt) }];
  for (const entry of claim.history) {
    const current = stays[stays.length - 1]!;
    if (!entry.toStatus || entry.toStatus === current.status) continue;
    const at = Date.parse(entry.at);
    current.until = at;
    current.endedBy = entry;
    stays.push({ status: entry.toStatus, since: at });
  }
  return stays;
}

/** The range as instants: from the start of `from` to the end of `to` (exclusive). */
export function instantsOf(range: DayRange): { start: number; end: number } {
  return { start: Date.parse(`${range.from}T00:00:00.000Z`), end: Date.parse(`${range.to}T00:00:00.000Z`) + DAY_MS };
}

export function daysIn(range: DayRange): string[] {
  const { start, end } = instantsOf(range);
  const days: string[] = [];
  for (let at = start; at < end; at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export interface DayCounts {
  day: string;
  /** Claims in each status at the end of the day (drafts are not counted: no reviewer sees them). */
  counts: Partial<Record<Status, number>>;
}

/** How many claims were in each status at the end of every day of the range. */
export function statusByDay(claims: readonly Claim[], range: DayRange): DayCounts[] {
  const allStays = claims.map(staysOf);
  return daysIn(range).map((day) => {
    const endOfDay = Date.parse(`${day}T00:00:00.000Z`) + DAY_MS;
    const counts: Partial<Record<Status, number>> = {};
    for (const stays of allStays) {
      const stay = stays.find((candidate) => candidate.since < endOfDay && (candidate.until === undefined || candidate.until >= endOfDay));
      if (stay && stay.status !== 'Draft') counts[stay.status] = (counts[stay.status] ?? 0) + 1;
    }
    return { day, counts };
  });
}

export interface TimeInStatus {
  status: Status;
  /** Stays that ended inside the range. */
  stays: number;
  averageMs: number;
}

/** The average length of the stays in each status that ended inside the range; drafts aside. */
export function timeInStatus(claims: readonly Claim[], range: DayRange): TimeInStatus[] {
  const { start, end } = instantsOf(range);
  const totals = new Map<Status, { stays: number; ms: number }>();
  for (const claim of claims) {
    for (const stay of staysOf(claim)) {
      if (stay.status === 'Draft' || stay.until === undefined || stay.until < start || stay.until >= end) continue;
      const total = totals.get(stay.status) ?? { stays: 0, ms: 0 };
      total.stays += 1;
      total.ms += stay.until - stay.since;
      totals.set(stay.status, total);
    }
  }
  return [...totals].map(([status, total]) => ({ status, stays: total.stays, averageMs: Math.round(total.ms / total.stays) }));
}

export const SLA_KINDS = ['reviewStart', 'reviewDecision'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

export interface SlaFigures {
  kind: SlaKind;
  met: number;
  missed: number;
  /** Still open and not yet due: neither met nor missed. */
  pending: number;
  /** met / (met + missed); null when nothing was measured. */
  rate: number | null;
}

/** The action that meets each SLA: a review started, a decision or a request for information. */
const MEETS: Record<SlaKind, { status: Status; actions: readonly string[] }> = {
  reviewStart: { status: 'Submitted', actions: ['startReview'] },
  reviewDecision: { status: 'InReview', actions: ['approve', 'reject', 'requestInformation'] },
};

/**
 * Whether reviews started and decisions came before their deadlines, for the SLAs that began
 * inside the range. A claim withdrawn while waiting is not measured; one still waiting past its
 * deadline is missed. `dueAfter` is the policy's deadline for an SLA that began at `start`.
 */
export function slaAttainment(claims: readonly Claim[], range: DayRange, now: Date, dueAfter: (kind: SlaKind, start: Date) => Date): SlaFigures[] {
  const { start, end } = instantsOf(range);
  return SLA_KINDS.map((kind) => {
    const figures: SlaFigures = { kind, met: 0, missed: 0, pending: 0, rate: null };
    for (const claim of claims) {
      for (const stay of staysOf(claim)) {
        if (stay.status !== MEETS[kind].status || stay.since < start || stay.since >= end) continue;
        const due = dueAfter(kind, new Date(stay.since)).getTime();
        if (stay.until === undefined) {
          if (now.getTime() > due) figures.missed += 1;
          else figures.pending += 1;
        } else if (stay.endedBy && MEETS[kind].actions.includes(stay.endedBy.action)) {
          if (stay.until <= due) figures.met += 1;
          else figures.missed += 1;
        }
      }
    }
    figures.rate = figures.met + figures.missed > 0 ? figures.met / (figures.met + figures.missed) : null;
    return figures;
  });
}

export interface ProgramRates {
  program: string;
  /** Claims with a reviewer's decision or request for information inside the range. */
  reviewed: number;
  approved: number;
  rejected: number;
  informationRequested: number;
  /** approved / (approved + rejected); null without decisions. */
  approvalRate: number | null;
  /** Claims asked for information / claims reviewed; null when none was reviewed. */
  informationRequestRate: number | null;
}

/** Programs without a name (never seen on a reviewed claim, but stored data may lack one). */
export const NO_PROGRAM = '-';

/** Approval and information-request rates per program, from reviewers' actions inside the range. */
export function ratesByProgram(claims: readonly Claim[], range: DayRange): ProgramRates[] {
  const { start, end } = instantsOf(range);
  const byProgram = new Map<string, ProgramRates>();
  for (const claim of claims) {
    const inRange = claim.history.filter((entry) => {
      const at = Date.parse(entry.at);
      return entry.role === 'reviewer' && at >= start && at < end;
    });
    const approved = inRange.some((entry) => entry.action === 'approve');
    const rejected = inRange.some((entry) => entry.action === 'reject');
    const asked = inRange.some((entry) => entry.action === 'requestInformation');
    if (!approved && !rejected && !asked) continue;
    const program = claim.details.program ?? NO_PROGRAM;
    const rates = byProgram.get(program) ?? {
      program,
      reviewed: 0,
      approved: 0,
      rejected: 0,
      informationRequested: 0,
      approvalRate: null,
      informationRequestRate: null,
    };
    rates.reviewed += 1;
    if (approved) rates.approved += 1;
    if (rejected) rates.rejected += 1;
    if (asked) rates.informationRequested += 1;
    byProgram.set(program, rates);
  }
  return [...byProgram.values()]
    .map((rates) => ({
      ...rates,
      approvalRate: rates.approved + rates.rejected > 0 ? rates.approved / (rates.approved + rates.rejected) : null,
      informationRequestRate: rates.informationRequested / rates.reviewed,
    }))
    .sort((a, b) => a.program.localeCompare(b.program));
}

export interface WorkloadItem {
  claimId: string;
  program?: string;
  status: Status;
  /** How many history entries the reviewer wrote on the claim. */
  actions: number;
  lastAction: string;
  lastActionAt: string;
}

/** The claims a person acted on (history entries with their id), most recent action first. */
export function workloadOf(claims: readonly Claim[], actorId: string): WorkloadItem[] {
  return claims
    .flatMap((claim): WorkloadItem[] => {
      const own = claim.history.filter((entry) => entry.actorId === actorId);
      const last = own[own.length - 1];
      if (!last) return [];
      return [
        {
          claimId: claim.id,
          ...(claim.details.program ? { program: claim.details.program } : {}),
          status: claim.status,
          actions: own.length,
          lastAction: last.action,
          lastActionAt: last.at,
        },
      ];
    })
    .sort((a, b) => b.lastActionAt.localeCompare(a.lastActionAt) || a.claimId.localeCompare(b.claimId));
}
