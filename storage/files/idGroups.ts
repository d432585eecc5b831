// Claim ids grouped under keys (an organisation, a customer, a status, a record key). Most
// customers and record keys have a single claim: a group of one is kept as the id itself, since
// a one-element Set costs about 150 bytes more, which is megabytes for a store of many claims.

export class IdGroups {
  private readonly groups = new Map<string, string | Set<string>>();

  add(key: string, id: string): void {
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, id);
    else if (typeof group !== 'string') group.add(id);
    else if (group !== id) this.groups.set(key, new Set([group, id]));
  }

  delete(key: string, id: string): void {
    const group = this.groups.get(key);
    if (group === undefined) return;
    if (typeof group === 'string') {
      if (group === id) this.groups.delete(key);
      return;
    }
    group.delete(id);
    if (group.size === 1) this.groups.set(key, group.values().next().value!);
  }

  /** The ids under `key`, in the order they joined it (a new array, the caller's to keep). */
  ids(key: string): string[] {
    const group = this.groups.get(key);
    if (group === undefined) return [];
    return typeof group === 'string' ? [group] : [...group];
  }
}
