// The service never reads the system time itself, so tests and the scheduler can drive it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
