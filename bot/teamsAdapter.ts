import { CloudAdapter, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';

// CloudAdapter with its turn entry point open to the server, so the server (not botbuilder's
// `process`) reads the body, validates the activity and decides what a failure answers.

export class TeamsAdapter extends CloudAdapter {
  /** Authenticates `authHeader` and runs `logic` for the (already validated) activity. */
  runActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, withDates(activity), logic);
  }
}

/** What botbuilder's own `process` does to a parsed body: ISO strings become dates, raw kept. */
function withDates(activity: Activity): Activity {
  const fixed = activity as Activity & Record<string, unknown>;
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['localTimestamp', 'rawLocalTimestamp'],
    ['expiration', 'rawExpiration'],
  ] as const) {
    const value = fixed[field];
    if (typeof value === 'string') {
      fixed[raw] = value;
      fixed[field] = new Date(value);
    }
  }
  return fixed;
}
