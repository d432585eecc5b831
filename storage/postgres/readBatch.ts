import { chunksOf } from '../../services/chunks.js';

// Reads by key asked for in the same turn of the event loop, sent as one statement. Under load
// several requests reach the same read at once (the bench's approvals: 2.6 on average), and a
// statement costs the client and the server far more than a row does.

/** The rows found for `keys`, by key; a key without a row is left out. */
export type FetchRows<R> = (keys: string[]) => Promise<Map<string, R>>;

interface Waiter<R> {
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

// Taken when the module loads: a test's fake timers must not hold the database's reads back.
const nextTurn = setImmediate;

export class ReadBatch<R> {
  private waiting = new Map<string, Array<Waiter<R>>>();

  /** `maxKeys`: the most keys one statement asks for; more wait for the next. */
  constructor(
    private readonly fetch: FetchRows<R>,
    private readonly maxKeys = 200,
  ) {}

  /** The row of `key`, read with every other key asked for before this turn of the event loop ends. */
  read(key: string): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) nextTurn(() => this.flush());
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = new Map();
    const keys = [...batch.keys()];
    for (const chunk of chunksOf(keys, this.maxKeys)) {
      this.fetch(chunk).then(
        (rows) => chunk.forEach((key) => batch.get(key)!.forEach((waiter) => waiter.resolve(rows.get(key)))),
        (error: unknown) => chunk.forEach((key) => batch.get(key)!.forEach((waiter) => waiter.reject(error))),
      );
    }
  }
}
