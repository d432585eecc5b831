import type { Workload } from './catalogue.js';
import { INFORMATION_REASONS, type InformationReason, type PoeFile } from './model.js';
import { PRECHECKS, REASON_FOR_CHECK, type Evidence, type Precheck, type PrecheckReport, type UnreadableReason } from './precheck.js';

// The pre-check over all of a claim's files, as the partner sees it before Submit and a reviewer
// on the claim card: a check is met when any file meets it.

export interface ChecklistItem {
  check: Precheck;
  found: boolean;
  /** The first evidence found, with the file it is in. */
  evidence?: Evidence & { file: string };
  /** Claimed workloads no file names (products-named). */
  missingWorkloads?: Workload[];
  /** Dates were found, but the latest is older than the policy allows. */
  tooOld?: boolean;
  latestDate?: string;
}

export interface ClaimChecklist {
  items: ChecklistItem[];
  /** Files checked, and those whose text could not be read (with why). */
  checked: number;
  unreadable: { file: string; reason: UnreadableReason }[];
  /** Files still waiting for their report. */
  waiting: number;
}

/** The checklist over the files that have a report; undefined while none has one. */
export function claimChecklist(files: readonly PoeFile[]): ClaimChecklist | undefined {
  const reported = files.filter((file): file is PoeFile & { precheck: NonNullable<PoeFile['precheck']> } => file.precheck !== undefined);
  if (reported.length === 0) return undefined;
  const items = PRECHECKS.map((check): ChecklistItem => {
    const findings = reported.flatMap((file) => findingsOf(file.precheck.report, check).map((finding) => ({ file: file.name, finding })));
    const met = findings.find(({ finding }) => finding.found);
    if (met) {
      const evidence = met.finding.evidence[0];
      return { check, found: true, ...(evidence ? { evidence: { ...evidence, file: met.file } } : {}) };
    }
    const item: ChecklistItem = { check, found: false };
    if (check === 'products-named') {
      // A workload is missing only when no file names it.
      const missingEverywhere = findings.map(({ finding }) => new Set(finding.missingWorkloads ?? []));
      const first = findings[0]?.finding.missingWorkloads ?? [];
      const missing = first.filter((workload) => missingEverywhere.every((set) => set.has(workload)));
      if (missing.length) item.missingWorkloads = missing;
    }
    if (check === 'dates') {
      const dated = findings.filter(({ finding }) => finding.latestDate).sort((a, b) => b.finding.latestDate!.localeCompare(a.finding.latestDate!))[0];
      if (dated) {
        item.latestDate = dated.finding.latestDate!;
        if (dated.finding.tooOld) item.tooOld = true;
      }
    }
    return item;
  });
  return {
    items,
    checked: reported.length,
    unreadable: reported.flatMap((file) => (file.precheck.report.unreadable ? [{ file: file.name, reason: file.precheck.report.unreadable }] : [])),
    waiting: files.length - reported.length,
  };
}

function findingsOf(report: PrecheckReport, check: Precheck) {
  return report.findings.filter((finding) => finding.check === check);
}

/** The reasons a reviewer would give for the unmet checks, in the catalogue's order. */
export function suggestedReasons(items: readonly ChecklistItem[]): InformationReason[] {
  const wanted = new Set(items.filter((item) => !item.found).map((item) => REASON_FOR_CHECK[item.check]));
  return INFORMATION_REASONS.filter((reason) => wanted.has(reason));
}

/** How many checks one report met, of all of them. */
export function metCount(report: PrecheckReport): { found: number; of: number } {
  return { found: PRECHECKS.filter((check) => findingsOf(report, check).some((finding) => finding.found)).length, of: PRECHECKS.length };
}
