// Held by many at once, or by one alone: the files engine's reads and writes of a collection share
// it, and the rewrite of its journal, which moves every line, takes it alone. A holder alone waits
// for the others to finish and keeps new ones waiting until it is done.

export class SharedLock {
  private holders = 0;
  private held: Promise<void> | undefined;
  private lastLeft: (() => void) | undefined;

  async shared<T>(task: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    this.holders += 1;
    try {
      return await task();
    } finally {
      this.holders -= 1;
      if (this.holders === 0) this.lastLeft?.();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.holders > 0) await new Promise<void>((resolve) => (this.lastLeft = resolve));
      this.lastLeft = undefined;
      return await task();
    } finally {
      this.held = undefined;
      release();
    }
  }
}
