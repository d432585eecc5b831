import { z } from 'zod';
import { RoleSchema } from '../actor.js';

// Where the roster and its audit trail are kept: the port RosterStore needs, with two engines in
// storage/ (the roster.jsonl file and its audit file; PostgreSQL tables shared by every instance).
// The roster is kept as its text (JSON Lines, one record per line) so both engines check it with
// the same parser, line numbers and all.

const AuditActionSchema = z.enum(['add-organisation', 'update-organisation', 'grant', 'revoke']);
export type AuditAction = z.infer<typeof AuditActionSchema>;

/** One entry of the append-only audit trail: who did what to whom, when, and through what. */
export const AuditEntrySchema = z.object({
  at: z.string(),
  action: AuditActionSchema,
  by: z.object({ userId: z.string(), tenantId: z.string().optional(), roles: z.array(RoleSchema).optional() }),
  source: z.enum(['chat', 'cli', 'bootstrap']),
  tenantId: z.string(),
  target: z.object({ userId: z.string().optional(), email: z.string().optional() }).optional(),
  role: RoleSchema.optional(),
  organisation: z.object({ name: z.string(), partnerIds: z.array(z.string()) }).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** What a change of the roster text decides: the next text (none: unchanged), its audit, a result. */
export interface RosterTextChange<T> {
  next?: string;
  audit: AuditEntry[];
  result: T;
}

export interface RosterStorage {
  /** Where the roster lives, for messages: a file path or a table. */
  readonly location: string;
  /** The roster's text; empty when none was ever stored. */
  read(): Promise<string>;
  /**
   * Runs `change` on the current text with every other change (from any instance) held off, then
   * stores the next text and appends the audit entries; the audit never records a change that
   * was not stored.
   */
  change<T>(change: (text: string) => RosterTextChange<T>): Promise<T>;
  /** The audit trail, oldest first; a damaged entry is skipped and reported. */
  auditTrail(onSkipped?: (entry: number, problem: string) => void): Promise<AuditEntry[]>;
  /**
   * Calls `listener` whenever another process may have changed the roster (an engine that cannot
   * tell returns without calling it: readers then rely on the cache's time to live).
   */
  watch(listener: () => void): void;
  close(): Promise<void>;
}
