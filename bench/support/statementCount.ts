import pg from 'pg';

// Statements the bot sends to PostgreSQL, counted inside the bot's process (turnServer.ts): each
// one is a round trip that wakes a backend and waits for the bot's loop to read the answer, so
// statements a request is what the batching of reads and writes (storage/postgres) brings down.
// Counted where node-postgres hands a statement to a connection, so pools, transactions and
// prepared statements are all seen; the product's code is not touched.

let sent = 0;
/** Statements sent, by their text (as many entries as the product has statements). */
const byText = new Map<string, number>();
let original: typeof pg.Client.prototype.query | undefined;

/** Starts counting the statements of every node-postgres client in this process; returns how to stop. */
export function countStatements(): () => void {
  if (!original) {
    const query = pg.Client.prototype.query;
    original = query;
    pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
      sent += 1;
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
      if (typeof text === 'string') byText.set(text, (byText.get(text) ?? 0) + 1);
      return (query as (...args: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
  }
  return () => {
    if (original) pg.Client.prototype.query = original;
    original = undefined;
  };
}

/** Statements counted since this process started counting. */
export function statementsSent(): number {
  return sent;
}

/** Statements counted whose text matches `pattern`. */
export function statementsLike(pattern: RegExp): number {
  let count = 0;
  for (const [text, times] of byText) if (pattern.test(text)) count += times;
  return count;
}
