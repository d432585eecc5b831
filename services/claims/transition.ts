import { authorize } from '../access.js';
import type { ActingRole, Actor } from '../actor.js';
import type { ClaimRepository } from '../claimRepository.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Action } from '../lifecycle.js';
import type { AlertSpec } from '../alerts.js';
import type { Claim, FieldChange } from '../model.js';
import type { ChangeFeed } from './changeFeed.js';
import { deepFreeze } from '../store/deepFreeze.js';
import { copyForChange } from './claimCopy.js';
import { sideOf } from './contributions.js';
import type { RecordKeyHolders } from './recordKeys.js';
import { rowOf, type ClaimRules } from './rules.js';
import type { Decision, TransitionEffects } from './transitionEffects.js';

// The one place a claim changes on a person's command: authorize the actor, check the version they
// saw, find the lifecycle row, run its guards, apply its effects, append history and record
// alerts, all in one atomic write of the claim's document.

/** What one command asks of the transition machinery. */
export interface Change extends Decision {
  action: Action;
  /** Mutates the copy of the claim before the row's own effects; returns field changes. */
  apply: (claim: Claim, role: ActingRole) => FieldChange[];
  /** Appended to every alert this change records. */
  alertExtra?: Record<string, unknown>;
  /** Added to the row's alerts, computed from the claim before the change. */
  alertData?: (before: Claim) => Record<string, unknown>;
  /** Alerts beyond the row's (to named people), from the claim before and after the change. */
  alerts?: (before: Claim, after: Claim) => Array<Omit<AlertSpec, 'cause'>>;
}

export interface TransitionParts {
  repository: ClaimRepository;
  clock: Clock;
  rules: ClaimRules;
  effects: TransitionEffects;
  keyHolders: RecordKeyHolders;
  feed: ChangeFeed;
}

export class Transitions {
  constructor(private readonly parts: TransitionParts) {}

  async run(actor: Actor, claimId: string, version: number, change: Change): Promise<Claim> {
    // Frozen: the caller and the feed's listeners share it.
    const claim = deepFreeze(await this.commit(actor, claimId, version, change));
    // A discarded draft is gone: there is nothing left to show.
    if (change.action !== 'discard') this.parts.feed.notify(claim, actor);
    return claim;
  }

  private async commit(actor: Actor, claimId: string, version: number, change: Change): Promise<Claim> {
    const { repository, rules, effects, keyHolders } = this.parts;
    const now = this.parts.clock.now();
    return repository.update(claimId, async (document, reads) => {
      const current = document.claim;
      const role = authorize(change.action, actor, current);
      if (current.version !== version) {
        throw new DomainError('stale-version', { claimId, version: current.version });
      }
      const row = rowOf(change.action, current);
      rules.checkRow(row, actor, role, current, now);
      if (row.to === 'deleted') return { next: 'delete', result: current };

      const claim = copyForChange(current);
      const fieldChanges = change.apply(claim, role);
      // Read inside the update: a database engine answers from the same transaction.
      const holders = row.guards.includes('noDuplicate') ? await keyHolders.of(claim, reads) : [];
      const competingWith = rules.checkOutcome(row, actor, role, claim, now, holders);
      const next = effects.apply(document, claim, row, change, {
        actorId: actor.userId,
        actorTenantId: actor.tenantId,
        ...(actor.displayName ? { actorName: actor.displayName.slice(0, 200) } : {}),
        role,
        side: sideOf(role),
        now,
        fieldChanges,
        alertExtra: { ...change.alertExtra, ...change.alertData?.(current), ...(competingWith.length ? { competingWith } : {}) },
        ...(change.alerts ? { extraAlerts: change.alerts(current, claim) } : {}),
      });
      if (row.guards.includes('noDuplicate')) keyHolders.remember(next.claim, holders);
      return { next, result: next.claim };
    });
  }
}
