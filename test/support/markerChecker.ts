import {
  PRECHECKS,
  type Finding,
  type PoeChecker,
  type Precheck,
  type PrecheckFacts,
  type PrecheckInput,
  type PrecheckReport,
} from '../../services/precheck.js';
import type { ManualClock } from './serviceHarness.js';

// A small deterministic pre-check for the product's tests: it reads the file's bytes as text
// (the tests upload text-bearing files, e.g. a PDF whose body is plain lines) and looks for the
// claim's facts and a few words, line by line, the first line that matches being the evidence
// ("page N" is the line's form-feed-separated page). The engine in poe/precheck/ does the real
// reading; this stands in for that computation only. Every call is recorded.

const WORK_WORDS = /\b(deploy(ed|ment)?|solution|service|migrat(ed|ion))\b/i;
const ACKNOWLEDGEMENT_WORDS = /\b(signed|accepted|aprobado|aceito|accettato|godkänt)\b/i;
const ISO_DATE = /\b(\d{4}-\d{2}-\d{2})\b/g;

export class MarkerChecker implements PoeChecker {
  readonly calls: { name: string; facts: PrecheckFacts }[] = [];
  /** Files whose check throws (by name), as a broken engine would. */
  readonly failing = new Set<string>();
  /** How often the app closed it (it owns the checker it was given). */
  closed = 0;

  constructor(
    private readonly clock: Pick<ManualClock, 'now'>,
    readonly version = 'marker-1',
  ) {}

  async close(): Promise<void> {
    this.closed += 1;
  }

  async check(input: PrecheckInput, facts: PrecheckFacts): Promise<PrecheckReport> {
    this.calls.push({ name: input.name, facts });
    if (this.failing.has(input.name)) throw new Error(`cannot read ${input.name}`);
    const text = Buffer.from(input.bytes).toString('utf8');
    const base = { checkerVersion: this.version, checkedAt: this.clock.now().toISOString(), ocr: false };
    if (text.includes('SCANNED-IMAGE')) return { ...base, units: 0, unreadable: 'scanned-image', findings: [] };
    const pages = text.split('\f').map((page) => page.split('\n'));
    const find = (test: (line: string) => boolean) => {
      for (const [index, lines] of pages.entries()) {
        const line = lines.find(test);
        if (line) return { quote: line.trim().slice(0, 300), where: `page ${index + 1}` };
      }
      return undefined;
    };
    const contains = (needle: string | undefined) => (line: string) => needle !== undefined && line.toLowerCase().includes(needle.toLowerCase());
    const finding = (check: Precheck, evidence: ReturnType<typeof find>, extra: Partial<Finding> = {}): Finding => ({
      check,
      found: evidence !== undefined && !extra.tooOld && !extra.missingWorkloads?.length,
      evidence: evidence ? [evidence] : [],
      ...extra,
    });

    const customer = find((line) => [facts.customerDomain, facts.customerContact?.name, facts.customerContact?.email].some((needle) => contains(needle)(line)));
    const partner = find((line) => contains(facts.partnerName)(line) || contains(facts.partnerId)(line));
    const missingWorkloads = facts.workloads.filter((workload) => !find(contains(workload)));
    const products = facts.workloads.length ? find(contains(facts.workloads.find((workload) => !missingWorkloads.includes(workload)))) : undefined;
    const dates = [...text.matchAll(ISO_DATE)].map((match) => match[1]!).sort();
    const latest = dates.at(-1);
    const limit = new Date(`${facts.claimDate}T00:00:00Z`);
    limit.setUTCMonth(limit.getUTCMonth() - facts.maxDateAgeMonths);
    const tooOld = latest !== undefined && latest < limit.toISOString().slice(0, 10);
    const findings: Finding[] = [
      finding('customer-named', customer),
      finding('partner-named', partner),
      finding('products-named', products, missingWorkloads.length ? { missingWorkloads } : {}),
      finding(
        'partner-work-described',
        find((line) => WORK_WORDS.test(line)),
      ),
      finding(
        'customer-acknowledgement',
        find((line) => ACKNOWLEDGEMENT_WORDS.test(line)),
      ),
      finding('dates', latest ? find(contains(latest)) : undefined, latest ? { latestDate: latest, tooOld } : {}),
    ];
    return { ...base, units: pages.length, findings: PRECHECKS.map((check) => findings.find((item) => item.check === check)!) };
  }
}

/** A PDF (by its signature) whose body is the given lines: what the marker checker reads. */
export function textPdf(...lines: string[]): Buffer {
  return Buffer.from(['%PDF-1.7', ...lines, '%%EOF', ''].join('\n'));
}

/** A file that meets every check for the service harness's m365 claim (Teams, Exchange). */
export const GOOD_POE_LINES = [
  'Statement of work between Contoso Partners (PartnerID 4512345) and fabrikam.onmicrosoft.com',
  'Contoso deployed Teams and Exchange Online for Fabrikam.',
  'Signed: Dana Customer, IT Director, 2026-11-02',
];
