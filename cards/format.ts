import { PROGRAMS, programName, type CatalogueEdition, type Program } from '../services/catalogue.js';
import { DEADLINE_NAMES, type ConsentPhase, type DeadlineName, type Status } from '../services/model.js';
import type { MessageParams, Translator } from './i18n/i18n.js';
import type { Reader } from './viewer.js';

// Values as a reader sees them: instants in their zone and language, durations, sizes, statuses,
// and the text commands they can type. Shared by every card family.

export interface Fact {
  title: string;
  value: string;
}

/** Refresh user ids: Teams takes at most 60. */
export const MAX_REFRESH_USER_IDS = 60;

export function instantFor(viewer: Reader, iso: string): string {
  return viewer.translator.formatInstant(iso, viewer.timeZone);
}

/** The last day of a period that ends at `endIso` (exclusive, e.g. an absence ending at midnight), in the reader's zone. */
export function lastDayFor(viewer: Reader, endIso: string): string {
  return viewer.translator.formatLastDay(endIso, viewer.timeZone);
}

export function statusText(viewer: Reader, status: Status, consentPhase?: ConsentPhase): string {
  const label = viewer.translator.t(`claims.status.${status}`);
  return status === 'Approved' && consentPhase
    ? viewer.translator.t('cards.common.statusWithPhase', { status: label, phase: viewer.translator.t(`claims.consentPhase.${consentPhase}`) })
    : label;
}

/** The deadline that matters now for a claim in `status`. */
export const CURRENT_DEADLINE: Partial<Record<Status, DeadlineName>> = {
  Submitted: 'reviewStart',
  InReview: 'reviewDecision',
  PartnerActionRequired: 'partnerResponse',
  Approved: 'consentWindow',
  Rejected: 'disputeWindow',
  Disputed: 'disputeDecision',
};

/** Adaptive Card colours for a status: green once approved, red once rejected. */
export function statusColor(status: Status): 'Good' | 'Attention' | 'Warning' | 'Accent' | 'Default' {
  if (status === 'Approved') return 'Good';
  if (status === 'Rejected') return 'Attention';
  if (status === 'PartnerActionRequired' || status === 'Disputed') return 'Warning';
  if (status === 'Draft') return 'Default';
  return 'Accent';
}

/** The deadlines a claim has, in lifecycle order, as facts in the reader's zone. */
export function deadlineFacts(viewer: Reader, deadlines: Partial<Record<string, string>>): Fact[] {
  return DEADLINE_NAMES.flatMap((name) => {
    const due = deadlines[name];
    return due ? [{ title: viewer.translator.t(`cards.deadline.${name}`), value: instantFor(viewer, due) }] : [];
  });
}

/**
 * The overall decision date (SPEC section 3) as a fact; while the partner is asked for information
 * it is the latest date, reached if they answer at the respond-by deadline.
 */
export function decisionFact(viewer: Reader, decisionDue: string | undefined, status: Status | undefined): Fact[] {
  if (!decisionDue) return [];
  const key = status === 'PartnerActionRequired' ? 'cards.deadline.decisionLatest' : 'cards.deadline.decision';
  return [{ title: viewer.translator.t(key), value: instantFor(viewer, decisionDue) }];
}

/** What a PoE must show (SPEC 5a): the reasons a reviewer would ask for more, as a checklist. */
export function poeChecklist(t: Translator): string {
  const items = ['belongs', 'acknowledgement', 'dates', 'solution', 'products'].map((item) => `- ${t.t(`claims.poeChecklist.${item}`)}`);
  return [t.t('claims.poeChecklist.title'), ...items].join('\n');
}

/** Program names stay in English (the seeds keep them); the edition is the claim's terms. */
export function programText(program: string, edition: CatalogueEdition | undefined): string {
  return (PROGRAMS as readonly string[]).includes(program) ? programName(program as Program, edition) : program;
}

/** "3 days 4 hours" in the reader's language. */
export function durationText(viewer: Reader, milliseconds: number): string {
  const totalHours = Math.max(0, Math.floor(milliseconds / 3_600_000));
  const days = Math.floor(totalHours / 24);
  const hours = totalHours % 24;
  const unit = (value: number, name: 'day' | 'hour' | 'minute') => unitFormat(viewer.translator.locale, name, 'duration').format(value);
  // Never "0 hours": under an hour counts minutes (at least one); whole days drop "0 hours".
  if (totalHours === 0) return unit(Math.max(1, Math.floor(Math.max(0, milliseconds) / 60_000)), 'minute');
  if (days > 0) return hours > 0 ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  return unit(hours, 'hour');
}

export function sizeText(viewer: Reader, bytes: number): string {
  // A file's size is written on every card of its claim, and writing one costs microseconds.
  const key = `${viewer.translator.locale}|${bytes}`;
  const known = SIZE_TEXTS.get(key);
  if (known !== undefined) return known;
  const kilobytes = bytes / 1024;
  // One decimal, as the dialogs' receipt shows it: a file has one size everywhere.
  const [value, unit] = kilobytes >= 1024 ? [kilobytes / 1024, 'megabyte'] : [Math.max(0.1, kilobytes), 'kilobyte'];
  const text = unitFormat(viewer.translator.locale, unit, 'size').format(value);
  if (SIZE_TEXTS.size >= 512) SIZE_TEXTS.clear();
  SIZE_TEXTS.set(key, text);
  return text;
}

/** Sizes already written, by locale and bytes (the last few hundred). */
const SIZE_TEXTS = new Map<string, string>();

/** One formatter per locale, unit and use: building one costs far more than using it (bench/README.md). */
const UNIT_FORMATS = new Map<string, Intl.NumberFormat>();

function unitFormat(locale: string, unit: string, use: 'duration' | 'size'): Intl.NumberFormat {
  const key = `${locale}|${unit}|${use}`;
  let format = UNIT_FORMATS.get(key);
  if (!format) {
    // Durations spell their units out ("3 days"); sizes are short with one decimal ("1.5 MB").
    format = new Intl.NumberFormat(
      locale,
      use === 'duration' ? { style: 'unit', unit, unitDisplay: 'long' } : { style: 'unit', unit, maximumFractionDigits: 1 },
    );
    UNIT_FORMATS.set(key, format);
  }
  return format;
}

/** The text commands (bot/commands.ts verbs) a card can mention or send. */
export type CommandVerb =
  | 'new-claim'
  | 'my-claims'
  | 'claim'
  | 'edit'
  | 'respond'
  | 'comment'
  | 'withdraw'
  | 'dispute'
  | 'history'
  | 'queue'
  | 'help'
  | 'cancel'
  | 'grant'
  | 'revoke'
  | 'roles'
  | 'reviewer-channel'
  | 'opt-out'
  | 'reassign'
  | 'away';

/** The reader's own alias of a command (the first in their catalogue), with its argument. */
export function commandText(viewer: Reader, verb: CommandVerb, argument?: string): string {
  const alias = viewer.translator.t(`commands.aliases.${verb}`).split('|')[0]!.trim();
  return argument ? `${alias} ${argument}` : alias;
}

/** Data an `Action.Execute` carries, and its `Action.Submit` fallback (which adds the verb). */
export interface ExecuteData {
  claimId: string;
  version: number;
}

export function submitData(verb: string, data: ExecuteData, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...data, ...extra, verb };
}

/**
 * A plain Action.Submit for a typed command: the bot reads `command` as if it had been typed.
 * Not Teams' `msteams` imBack object, which some clients (the Agents Playground) cannot send.
 */
export interface CommandData {
  command: string;
}

export function commandData(value: string): CommandData {
  return { command: value };
}

/** "3 claims" when all are shown, "25 of 40 claims" when not: never "1 of 1 claims". */
export function summaryOf(t: Translator, group: string, shown: number, total: number, params: MessageParams = {}): string {
  return shown === total ? t.plural(`${group}.summaryAll`, total, { ...params, total }) : t.t(`${group}.summary`, { ...params, shown, total });
}
