import { z } from 'zod';
import { parseEnvironment } from '../../services/environment.js';

// The delivery worker's and scheduler's settings, from the environment, checked once at start.
// Each bad value is named with what was expected, as bot/config.ts does for the rest.

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const integer = (fallback: number, min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const ProactiveEnvironmentSchema = z.object({
  TICK_INTERVAL_SECONDS: integer(60, 1, 3600),
  DELIVERY_GLOBAL_RATE: integer(50, 1, 1000),
  DELIVERY_MAX_ATTEMPTS: integer(8, 1, 100),
  UNDELIVERABLE_AFTER_HOURS: integer(72, 1, 24 * 90),
  DELIVERY_POLL_SECONDS: integer(5, 1, 3600),
  DELIVERY_BATCH_SIZE: integer(200, 1, 10_000),
  DELIVERY_BACKOFF_BASE_MS: integer(1000, 1, 60_000),
  DELIVERY_BACKOFF_MAX_SECONDS: integer(300, 1, 3600),
  DELIVERY_AFTER_CRASH: z.preprocess(emptyToUndefined, z.enum(['skip', 'resend']).default('skip')),
  DELIVERY_DEDUPE_RETENTION_DAYS: integer(45, 1, 3650),
  DELIVERY_TIMEOUT_MS: integer(15_000, 100, 120_000),
  DELIVERY_LEASE_SECONDS: integer(120, 5, 3600),
  CONSENT_MAIL_PER_MINUTE: integer(30, 1, 10_000),
});

export interface DeliverySettings {
  globalRatePerSecond: number;
  maxAttempts: number;
  undeliverableAfterMs: number;
  pollIntervalMs: number;
  batchSize: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * What a restart does with a send that was in flight when the process died (journal entry
   * `sending`, no outcome): `skip` never sends it again (at most once: it is dead-lettered as
   * uncertain), `resend` sends it again (at least once: the user may see it twice).
   */
  afterCrash: 'skip' | 'resend';
  dedupeRetentionMs: number;
  /** A connector request without an answer by then counts as a failed attempt. */
  requestTimeoutMs: number;
  /**
   * How long an instance holds a claim's alerts without renewing (it renews on every pass, so
   * only one that stopped or was killed lets go): then another instance takes them over.
   */
  leaseMs: number;
}

export interface ProactiveConfig {
  tickIntervalMs: number;
  delivery: DeliverySettings;
  /** Consent mails sent a minute from the one mailbox (Exchange Online accepts 30), across instances. */
  consentMailPerMinute: number;
}

const HOUR_MS = 60 * 60 * 1000;

export function loadProactiveConfig(environment: NodeJS.ProcessEnv = process.env): ProactiveConfig {
  const env = parseEnvironment(ProactiveEnvironmentSchema, environment, 'Proactive messaging');
  return {
    tickIntervalMs: env.TICK_INTERVAL_SECONDS * 1000,
    delivery: {
      globalRatePerSecond: env.DELIVERY_GLOBAL_RATE,
      maxAttempts: env.DELIVERY_MAX_ATTEMPTS,
      undeliverableAfterMs: env.UNDELIVERABLE_AFTER_HOURS * HOUR_MS,
      pollIntervalMs: env.DELIVERY_POLL_SECONDS * 1000,
      batchSize: env.DELIVERY_BATCH_SIZE,
      backoffBaseMs: env.DELIVERY_BACKOFF_BASE_MS,
      backoffMaxMs: env.DELIVERY_BACKOFF_MAX_SECONDS * 1000,
      afterCrash: env.DELIVERY_AFTER_CRASH,
      dedupeRetentionMs: env.DELIVERY_DEDUPE_RETENTION_DAYS * 24 * HOUR_MS,
      requestTimeoutMs: env.DELIVERY_TIMEOUT_MS,
      leaseMs: env.DELIVERY_LEASE_SECONDS * 1000,
    },
    consentMailPerMinute: env.CONSENT_MAIL_PER_MINUTE,
  };
}
