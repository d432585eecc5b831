import type { Workload } from '../../services/catalogue.js';
import type { Evidence, Finding, PrecheckFacts } from '../../services/precheck.js';
import { addDays, addMonths, findDates, looksEnglish } from './dates.js';
import type { Extraction } from './extraction.js';
import { WORKLOAD_SYNONYMS, type Synonym } from './synonyms.js';
import { escapeRegExp, excerpt, fold, foldTerm, wordPattern, type FoldedText } from './text.js';

// The checks: pure functions of the extracted text and the claim's facts, one finding each.
// A finding quotes what satisfied it (a few excerpts, each with where it was read).

interface Unit {
  where: string;
  text: string;
  folded: FoldedText;
}

interface Hit {
  unit: Unit;
  /** In the original text. */
  start: number;
  end: number;
}

const MAX_EVIDENCE = 5;

const evidenceOf = (hits: readonly Hit[], limit = MAX_EVIDENCE): Evidence[] =>
  hits.slice(0, limit).map((hit) => ({ quote: excerpt(hit.unit.text, hit.start, hit.end), where: hit.unit.where.slice(0, 120) }));

/** A match in the folded text, mapped back to the original's characters. */
function originalHit(unit: Unit, index: number, length: number): Hit {
  const { origin } = unit.folded;
  const start = origin[index] ?? 0;
  const last = origin[Math.max(index, index + length - 1)] ?? start;
  return { unit, start, end: last + 1 };
}

function searchFolded(units: readonly Unit[], pattern: RegExp, accept?: (unit: Unit, match: RegExpMatchArray) => boolean): Hit[] {
  const hits: Hit[] = [];
  for (const unit of units) {
    for (const match of unit.folded.folded.matchAll(pattern)) {
      if (!accept || accept(unit, match)) hits.push(originalHit(unit, match.index!, match[0].length));
    }
  }
  return hits;
}

const searchTerm = (units: readonly Unit[], term: string) => searchFolded(units, wordPattern(foldTerm(term)));

/** Whether the words before `index` end a sentence (or there are none on the line). */
function startsSentence(text: string, index: number): boolean {
  let at = index - 1;
  while (at >= 0 && (text[at] === ' ' || text[at] === '\t' || text[at] === '\u00a0')) at -= 1;
  return at < 0 || /[\n.!?:;•\-–—(|"“]/.test(text[at]!);
}

function searchName(units: readonly Unit[], term: string): Hit[] {
  const pattern = wordPattern(term);
  const hits: Hit[] = [];
  for (const unit of units) {
    for (const match of unit.text.matchAll(pattern)) {
      if (!startsSentence(unit.text, match.index!)) hits.push({ unit, start: match.index!, end: match.index! + match[0].length });
    }
  }
  return hits;
}

const searchSynonym = (units: readonly Unit[], synonym: Synonym) => (synonym.asName ? searchName(units, synonym.term) : searchTerm(units, synonym.term));

// ---- customer and partner -----------------------------------------------------------------------

/** Labels that say nothing about who the customer is. */
const GENERIC_LABELS = new Set(['www', 'mail', 'email', 'portal', 'login', 'app', 'apps', 'cloud', 'online', 'group', 'global', 'corp']);

function customerNamed(units: readonly Unit[], facts: PrecheckFacts): Finding {
  const terms: string[] = [];
  const domain = facts.customerDomain?.trim().toLowerCase();
  if (domain) {
    terms.push(domain);
    const label = domain.split('.')[0];
    if (label && label.length >= 3 && !GENERIC_LABELS.has(label)) terms.push(label);
  }
  if (facts.customerTenantId) terms.push(facts.customerTenantId);
  if (facts.customerContact) terms.push(facts.customerContact.email, facts.customerContact.name);
  const hits = terms.filter((term) => term.trim().length >= 3).flatMap((term) => searchTerm(units, term));
  return { check: 'customer-named', found: hits.length > 0, evidence: evidenceOf(dedupe(hits)) };
}

const LEGAL_FORMS =
  /[\s,]+(inc|incorporated|ltd|limited|llc|plc|corp|corporation|co|company|gmbh|ag|sa|s\.a|sas|sl|s\.l|slu|sa de cv|s\.a\. de c\.v|ltda|me|eireli|srl|s\.r\.l|spa|s\.p\.a|ab|aktiebolag|oy|as|bv|nv|pty|pty ltd)\.?$/i;

/** The partner's name and, when it has one, the name without its legal form ("Northwind AB" → "Northwind"). */
export function partnerNames(name: string): string[] {
  const names = [name.trim()];
  let core = name.trim();
  for (let strip = core.replace(LEGAL_FORMS, ''); strip !== core; strip = core.replace(LEGAL_FORMS, '')) core = strip;
  if (core !== names[0] && core.length >= 3) names.push(core);
  return names.filter((entry) => entry.length > 0);
}

function partnerNamed(units: readonly Unit[], facts: PrecheckFacts): Finding {
  const hits = partnerNames(facts.partnerName).flatMap((term) => searchTerm(units, term));
  if (facts.partnerId) hits.push(...searchTerm(units, facts.partnerId));
  return { check: 'partner-named', found: hits.length > 0, evidence: evidenceOf(dedupe(hits)) };
}

/** Overlapping hits (the core name inside the full name) quoted once. */
function dedupe(hits: readonly Hit[]): Hit[] {
  const kept: Hit[] = [];
  for (const hit of hits) {
    if (!kept.some((other) => other.unit === hit.unit && hit.start < other.end && other.start < hit.end)) kept.push(hit);
  }
  return kept;
}

// ---- products -----------------------------------------------------------------------------------

export function findWorkload(units: readonly Unit[], workload: Workload): Hit | undefined {
  for (const synonym of WORKLOAD_SYNONYMS[workload]) {
    const hit = searchSynonym(units, synonym)[0];
    if (hit) return hit;
  }
  return undefined;
}

function productsNamed(units: readonly Unit[], facts: PrecheckFacts): Finding {
  const hits: Hit[] = [];
  const missing: Workload[] = [];
  for (const workload of facts.workloads) {
    const hit = findWorkload(units, workload);
    if (hit) hits.push(hit);
    else missing.push(workload);
  }
  return { check: 'products-named', found: missing.length === 0, evidence: evidenceOf(hits, 10), missingWorkloads: missing };
}

// ---- the partner's work -------------------------------------------------------------------------

/** Word beginnings (folded) that describe delivering a solution, in en, es, pt, it and sv. */
export const WORK_STEMS = [
  // en
  'deploy',
  'implement',
  'migrat',
  'configur',
  'install',
  'rolled out',
  'rollout',
  'roll-out',
  'onboard',
  'training',
  'trained',
  'workshop',
  'set up',
  'solution',
  'consulting',
  'go-live',
  'provision',
  // es
  'despleg',
  'despliegue',
  'implant',
  'migracion',
  'migramos',
  'instalacion',
  'instalamos',
  'capacitacion',
  'capacitamos',
  'formacion',
  'solucion',
  'puesta en marcha',
  'consultoria',
  // pt-BR
  'implantacao',
  'implementacao',
  'migracao',
  'migramos',
  'configuracao',
  'configuramos',
  'instalacao',
  'treinamento',
  'treinamos',
  'solucao',
  'entrega',
  // it
  'implementazione',
  'distribuzione',
  'migrazione',
  'migrato',
  'configurazione',
  'configurato',
  'installazione',
  'formazione',
  'soluzione',
  'messa in opera',
  'avviamento',
  // sv
  'driftsatt',
  'driftsattning',
  'implementering',
  'implementerade',
  'migrering',
  'migrerade',
  'konfigurer',
  'konfiguration',
  'installer',
  'utbildning',
  'utbildade',
  'losning',
  'inforande',
  'inforde',
] as const;

const WORK_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...new Set(WORK_STEMS)].map((stem) => escapeRegExp(stem).replace(/\s+/g, '\\s+')).join('|')})[\\p{L}]*`,
  'gu',
);

function workDescribed(units: readonly Unit[]): Finding {
  const hits = searchFolded(units, WORK_PATTERN);
  return { check: 'partner-work-described', found: hits.length > 0, evidence: evidenceOf(hits) };
}

// ---- the customer's acknowledgement -------------------------------------------------------------

/** A signature block's label, folded. */
export const SIGNATURE_TERMS = [
  'signature',
  'signed by',
  'signed',
  'sign-off',
  'signed off',
  'customer signature',
  'firma',
  'firmado',
  'firmado por',
  'firma del cliente',
  'firmato',
  'firmato da',
  'assinatura',
  'assinado',
  'assinado por',
  'underskrift',
  'undertecknad',
  'undertecknat',
  'signerad',
  'signerat',
] as const;

/** Acceptance words, folded. */
export const ACCEPTANCE_TERMS = [
  'accepted',
  'approved',
  'acknowledged',
  'accept',
  'approve',
  'aprobado',
  'aprobada',
  'aceptado',
  'aceptada',
  'conformidad',
  'aprobamos',
  'aceptamos',
  'aceito',
  'aceita',
  'aprovado',
  'aprovada',
  'aprovamos',
  'de acordo',
  'accettato',
  'accettata',
  'approvato',
  'approvata',
  'approviamo',
  'accettiamo',
  'godkant',
  'godkand',
  'godkanns',
  'godkanner',
  'godkanda',
  'attesterad',
] as const;

const ACK_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...SIGNATURE_TERMS, ...ACCEPTANCE_TERMS]
    .sort((a, b) => b.length - a.length)
    .map((term) => escapeRegExp(term).replace(/\s+/g, '\\s+'))
    .join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);
/** "not approved", "no aprobado", "não aceito", "non approvato", "inte godkänt", "pending". */
const NEGATION = /(?<![\p{L}])(not|no|nao|non|inte|ej|sin|sem|senza|yet|pending|pendiente|pendente|awaiting|unsigned)\s+(?:\p{L}+\s+)?$/u;

function acknowledged(units: readonly Unit[], senders: readonly string[], facts: PrecheckFacts): Finding {
  const evidence: Evidence[] = [];
  const domain = facts.customerDomain?.trim().toLowerCase();
  if (domain) {
    for (const sender of senders) {
      const senderDomain = sender.toLowerCase().split('@')[1] ?? '';
      if (senderDomain === domain || senderDomain.endsWith(`.${domain}`)) evidence.push({ quote: `From: ${sender}`.slice(0, 300), where: 'message' });
    }
  }
  const hits = searchFolded(units, ACK_PATTERN, (unit, match) => !NEGATION.test(unit.folded.folded.slice(Math.max(0, match.index! - 30), match.index!)));
  evidence.push(...evidenceOf(hits));
  return { check: 'customer-acknowledgement', found: evidence.length > 0, evidence: evidence.slice(0, MAX_EVIDENCE) };
}

// ---- dates --------------------------------------------------------------------------------------

/** A date a few days after the claim's is still the same piece of work (time zones, a late signature). */
export const DATE_TOLERANCE_DAYS = 7;

function dated(units: readonly Unit[], facts: PrecheckFacts): Finding {
  const claimDay = facts.claimDate.slice(0, 10);
  const latestAllowed = addDays(claimDay, DATE_TOLERANCE_DAYS);
  const all: (Hit & { iso: string })[] = [];
  // The language is judged over the whole file: a date-only line has no words of its own.
  const english = looksEnglish(units.map((unit) => unit.folded.folded).join('\n'));
  for (const unit of units) {
    for (const date of findDates(unit.folded.folded, english)) all.push({ ...originalHit(unit, date.index, date.length), iso: date.iso });
  }
  const usable = all.filter((date) => date.iso <= latestAllowed).sort((a, b) => b.iso.localeCompare(a.iso));
  const latest = usable[0];
  if (!latest) return { check: 'dates', found: false, evidence: evidenceOf(all) };
  const tooOld = latest.iso < addMonths(claimDay, -facts.maxDateAgeMonths);
  return { check: 'dates', found: !tooOld, evidence: evidenceOf(usable), latestDate: latest.iso, tooOld };
}

// ---- all of them --------------------------------------------------------------------------------

export function runChecks(extraction: Pick<Extraction, 'units' | 'senders'>, facts: PrecheckFacts): Finding[] {
  const units: Unit[] = extraction.units.map((unit) => ({ ...unit, folded: fold(unit.text) }));
  return [
    customerNamed(units, facts),
    partnerNamed(units, facts),
    productsNamed(units, facts),
    workDescribed(units),
    acknowledged(units, extraction.senders, facts),
    dated(units, facts),
  ];
}
