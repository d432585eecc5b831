import type { OutboxDelivery, OutboxHealth } from './outboxDelivery.js';
import type { SchedulerHealth, TickScheduler } from './scheduler.js';

// What GET /healthz shows of proactive messaging: the scheduler's last tick and the outbox.

export interface ProactiveHealth {
  scheduler: Pick<SchedulerHealth, 'lastTickAt' | 'lastFired' | 'lastError'> & Partial<SchedulerHealth>;
  outbox: Pick<OutboxHealth, 'pending' | 'deadLetters' | 'sentTotal'> & Partial<OutboxHealth>;
}

export function proactiveHealth(scheduler: Pick<TickScheduler, 'health'>, outbox: Pick<OutboxDelivery, 'health'>): ProactiveHealth {
  return { scheduler: scheduler.health(), outbox: outbox.health() };
}
