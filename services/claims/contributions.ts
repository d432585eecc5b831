import { randomUUID } from 'node:crypto';
import type { ActingRole, Actor } from '../actor.js';
import { checkPoe } from '../claimValidation.js';
import type { Clock } from '../clock.js';
import type { Claim, FieldChange, PoeInput, Side } from '../model.js';
import type { Policy } from '../policy.js';

// What people add to a claim beside its details: comments and proof-of-execution files.

export function sideOf(role: ActingRole): Side | undefined {
  if (role === 'reviewer') return 'reviewer';
  if (role === 'customer' || role === 'system') return undefined;
  return 'partner';
}

export class Contributions {
  constructor(
    private readonly policy: Policy,
    private readonly clock: Clock,
  ) {}

  attachPoe(claim: Claim, files: readonly PoeInput[], actor: Actor): FieldChange[] {
    if (files.length === 0) return [];
    checkPoe(files, claim.poe.length, this.policy);
    const uploadedAt = this.clock.now().toISOString();
    const records = files.map((file) => ({ ...file, id: randomUUID(), uploadedBy: actor.userId, uploadedAt }));
    claim.poe.push(...records);
    return records.map((record) => ({ field: 'poe', to: { name: record.name, sha256: record.sha256, size: record.size } }));
  }

  /** Keeps what a partner or reviewer said as a comment of their side. */
  appendComment(claim: Claim, actor: Actor, role: ActingRole, text: string | undefined): void {
    const side = sideOf(role);
    if (!text || !side) return;
    claim.comments.push({
      id: randomUUID(),
      at: this.clock.now().toISOString(),
      authorId: actor.userId,
      ...(actor.displayName ? { authorName: actor.displayName } : {}),
      side,
      text,
    });
  }
}
