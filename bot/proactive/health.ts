import type { CardCopies, UpdateStats } from './cardCopies.js';
import type { OutboxDelivery, OutboxHealth } from './outboxDelivery.js';
import type { SchedulerHealth, TickScheduler } from './scheduler.js';

// What GET /healthz shows of proactive messaging: the scheduler's last tick, the outbox and the
// updates of posted cards.

export interface ProactiveHealth {
  scheduler: Pick<SchedulerHealth, 'lastTickAt' | 'lastFired' | 'lastError'> & Partial<SchedulerHealth>;
  outbox: Pick<OutboxHealth, 'pending' | 'deadLetters' | 'sentTotal'> & Partial<OutboxHealth>;
  cardUpdates: UpdateStats & { queued: number };
}

export function proactiveHealth(
  scheduler: Pick<TickScheduler, 'health'>,
  outbox: Pick<OutboxDelivery, 'health'>,
  cardCopies: Pick<CardCopies, 'health'>,
): ProactiveHealth {
  return { scheduler: scheduler.health(), outbox: outbox.health(), cardUpdates: cardCopies.health() };
}
