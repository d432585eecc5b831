import { SYSTEM_ACTOR_ID } from '../actor.js';
import { recordAlert } from '../alerts.js';
import type { ClaimRepository } from '../claimRepository.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Claim, PoeFile } from '../model.js';
import type { Policy } from '../policy.js';
import { PrecheckReportSchema, type PrecheckFacts, type PrecheckReport } from '../precheck.js';
import { NO_FILES_PRECHECK_MARK, PRECHECKED_STATUSES, factsDigest, isCurrent, metChecks, precheckFactsOf, precheckMark } from '../precheckFacts.js';
import { metCount } from '../precheckChecklist.js';
import type { ChangeFeed } from './changeFeed.js';

// The pre-check's side of a claim: which PoE files need a (new) report, and recording one as the
// system: kept with the file, a history entry, a version, and a checklist alert to the partner.

/** One claim's files without a current report, and the facts to check them against. */
export interface PrecheckWork {
  claimId: string;
  facts: PrecheckFacts;
  factsDigest: string;
  files: PoeFile[];
}

export type PrecheckOutcome = 'recorded' | 'unchanged' | 'stale';

export class Prechecks {
  constructor(
    private readonly repository: ClaimRepository,
    private readonly policy: Policy,
    private readonly clock: Clock,
    private readonly feed: ChangeFeed,
  ) {}

  /**
   * The claims that may hold files to check for this checker; `work` says which of their files do.
   * Those the store has marked as checked by it under the policy's date limit are left out unread.
   */
  candidates(checkerVersion: string): Promise<string[]> {
    const settled = [NO_FILES_PRECHECK_MARK, precheckMark(checkerVersion, this.policy.poe.maxDateAgeMonths)];
    return this.repository.idsToPrecheck(PRECHECKED_STATUSES, settled);
  }

  async work(claimId: string, checkerVersion: string): Promise<PrecheckWork | undefined> {
    const claim = (await this.repository.get(claimId))?.claim;
    return claim ? this.workOn(claim, checkerVersion) : undefined;
  }

  /** What `work` would find on this copy of the claim, without reading the store. */
  workOn(claim: Readonly<Claim>, checkerVersion: string): PrecheckWork | undefined {
    if (claim.poe.length === 0 || !PRECHECKED_STATUSES.includes(claim.status)) return undefined;
    const facts = this.factsOf(claim);
    const digest = factsDigest(facts);
    const files = claim.poe.filter((file) => !isCurrent(file.precheck, checkerVersion, digest));
    return files.length ? { claimId: claim.id, facts, factsDigest: digest, files } : undefined;
  }

  /**
   * Keeps `report` with the file. Idempotent: the same checker version and facts already recorded,
   * a file removed or a claim gone meanwhile change nothing; facts edited since the check began
   * make the report `stale` (not kept: the file is checked again against the new facts).
   */
  async record(claimId: string, fileId: string, input: PrecheckReport, digest: string): Promise<PrecheckOutcome> {
    const report = PrecheckReportSchema.parse(input);
    const now = this.clock.now();
    try {
      const outcome = await this.repository.update(claimId, (document) => {
        const file = document.claim.poe.find((candidate) => candidate.id === fileId);
        if (!file || isCurrent(file.precheck, report.checkerVersion, digest)) return { next: 'unchanged', result: 'unchanged' as PrecheckOutcome };
        if (factsDigest(this.factsOf(document.claim)) !== digest) return { next: 'unchanged', result: 'stale' as PrecheckOutcome };
        const claim = structuredClone(document.claim);
        const stored = claim.poe.find((candidate) => candidate.id === fileId)!;
        const before = stored.precheck?.report;
        stored.precheck = { report, factsDigest: digest, maxDateAgeMonths: this.policy.poe.maxDateAgeMonths };
        const at = now.toISOString();
        const { found, of } = metCount(report);
        claim.version += 1;
        claim.updatedAt = at;
        claim.history.push({
          seq: claim.history.length + 1,
          at,
          actorId: SYSTEM_ACTOR_ID,
          role: 'system',
          action: 'poe-prechecked',
          changes: [{ field: 'precheck', to: { file: stored.name, found, of, ...(report.unreadable ? { unreadable: report.unreadable } : {}) } }],
        });
        // The partner hears of a file once, and again only when what it shows has changed.
        const outbox = [...document.outbox];
        if (!before || metChecks(before) !== metChecks(report)) {
          outbox.push(
            recordAlert(
              claim,
              {
                kind: 'poe-prechecked',
                to: 'partner',
                cause: `precheck-${fileId}-${report.checkerVersion}-${digest.slice(0, 16)}`,
                extra: { precheck: { fileId, fileName: stored.name, report } },
              },
              now,
            ),
          );
        }
        return { next: { claim, outbox }, result: 'recorded' as PrecheckOutcome };
      });
      if (outcome === 'recorded') {
        const changed = await this.repository.get(claimId);
        if (changed) this.feed.notify(changed.claim);
      }
      return outcome;
    } catch (error) {
      // A draft discarded while its file was being read: nothing to keep the report with.
      if (error instanceof DomainError && error.code === 'not-found') return 'unchanged';
      throw error;
    }
  }

  private factsOf(claim: Readonly<Claim>): PrecheckFacts {
    return precheckFactsOf(claim, this.policy.poe.maxDateAgeMonths);
  }
}
