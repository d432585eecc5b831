import type { Clock } from '../clock.js';
import type { Directory, DirectoryUser, ResolveHints } from './directory.js';
import { RecentlyUsed } from '../store/recentlyUsed.js';

// Remembers answers for a short time so a chat turn doesn't cost a Graph round trip each time.
// Only answers are cached, never failures, and a role change shows within the TTL (at once when
// the roster reports it: see openDirectory).

export class CachingDirectory implements Directory {
  private readonly entries: RecentlyUsed<{ user: DirectoryUser; at: number }>;

  constructor(
    private readonly inner: Directory,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    maxEntries = 5_000,
  ) {
    this.entries = new RecentlyUsed(maxEntries);
  }

  async resolve(userId: string, tenantId: string, hints?: ResolveHints): Promise<DirectoryUser> {
    const key = `${tenantId.toLowerCase()}|${userId}|${hints?.email?.toLowerCase() ?? ''}`;
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.user;
    const user = await this.inner.resolve(userId, tenantId, hints);
    this.entries.set(key, { user, at: now });
    return user;
  }

  /** The inner directory's list, uncached: pickers are opened rarely and must show today's reviewers. */
  async reviewers(): Promise<DirectoryUser[] | undefined> {
    return this.inner.reviewers ? this.inner.reviewers() : undefined;
  }

  /** Forgets every answer (the roster changed). */
  clear(): void {
    this.entries.clear();
  }
}
