import type { PoeFile } from '../services/model.js';
import { PRECHECKS, type Finding, type PrecheckReport } from '../services/precheck.js';
import { claimChecklist, metCount, type ChecklistItem, type ClaimChecklist } from '../services/precheckChecklist.js';
import type { Translator } from './i18n/i18n.js';
import { literal } from './markdown.js';

// The pre-check in words: one line per check, ✓ with the evidence ("page 1: “…”") or ✗ with what
// is missing, for one file (the partner's checklist alert) or over all of a claim's files (the
// claim card and the summary before Submit). Quotes are the file's text: always literal.

/** The lines for one file's report: its summary, then a line per check. */
export function reportLines(t: Translator, fileName: string, report: PrecheckReport): string[] {
  const file = literal(fileName);
  if (report.unreadable) return [t.t('cards.precheck.unreadable', { file, reason: t.t(`cards.precheck.reason.${report.unreadable}`) })];
  const { found, of } = metCount(report);
  const lines = [t.t('cards.precheck.fileSummary', { file, found, of })];
  for (const check of PRECHECKS) lines.push(itemLine(t, itemOf(check, report.findings)));
  if (report.truncated) lines.push(t.t('cards.precheck.truncated', { file, units: report.units }));
  return lines;
}

/** The lines over all of a claim's files; none while no file has a report. */
export function checklistLines(t: Translator, files: readonly PoeFile[]): string[] {
  return linesOfChecklist(t, claimChecklist(files));
}

/** The lines of a checklist already drawn from a claim's files (`claimChecklist`). */
export function linesOfChecklist(t: Translator, checklist: ClaimChecklist | undefined): string[] {
  // Nothing until a report exists: with the pre-check off, "being checked" would never come true.
  if (!checklist) return [];
  const lines = checklist.items.map((item) => itemLine(t, item));
  for (const { file, reason } of checklist.unreadable) {
    lines.push(t.t('cards.precheck.unreadable', { file: literal(file), reason: t.t(`cards.precheck.reason.${reason}`) }));
  }
  if (checklist.waiting) lines.push(t.plural('cards.precheck.waiting', checklist.waiting));
  return lines;
}

function itemOf(check: ChecklistItem['check'], findings: readonly Finding[]): ChecklistItem {
  const finding = findings.find((candidate) => candidate.check === check);
  if (!finding) return { check, found: false };
  const evidence = finding.evidence[0];
  return {
    check,
    found: finding.found,
    ...(evidence ? { evidence: { ...evidence, file: '' } } : {}),
    ...(finding.missingWorkloads?.length ? { missingWorkloads: finding.missingWorkloads } : {}),
    ...(finding.latestDate ? { latestDate: finding.latestDate } : {}),
    ...(finding.tooOld ? { tooOld: true } : {}),
  };
}

function itemLine(t: Translator, item: ChecklistItem): string {
  const check = t.t(`cards.precheck.check.${item.check}`);
  if (item.found) {
    const { evidence } = item;
    if (!evidence) return t.t('cards.precheck.foundPlain', { check });
    const quoted = { check, where: whereText(t, evidence.where), quote: literal(evidence.quote) };
    return evidence.file ? t.t('cards.precheck.foundIn', { ...quoted, file: literal(evidence.file) }) : t.t('cards.precheck.found', quoted);
  }
  if (item.missingWorkloads?.length) return t.t('cards.precheck.missingWorkloads', { check, workloads: t.formatList(item.missingWorkloads) });
  if (item.tooOld && item.latestDate) return t.t('cards.precheck.tooOld', { check, date: item.latestDate });
  return t.t('cards.precheck.missing', { check });
}

/**
 * Where the evidence is, in the reader's language: the checker says "page 3", "slide 2", "sheet
 * Budget", "message" or "attachment contract.pdf, page 1"; anything else is shown as it came.
 */
export function whereText(t: Translator, where: string): string {
  const attachment = /^attachment (.+), ((?:page|slide|sheet) .+|message)$/.exec(where);
  if (attachment) return t.t('cards.precheck.where.attachment', { name: literal(attachment[1]!), where: whereText(t, attachment[2]!) });
  const unit = /^(page|slide|sheet) (.+)$/.exec(where);
  if (unit) return t.t(`cards.precheck.where.${unit[1]}`, { n: literal(unit[2]!) });
  if (where === 'message') return t.t('cards.precheck.where.message');
  return literal(where);
}
