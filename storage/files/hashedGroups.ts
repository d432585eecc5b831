// Slots grouped under a hash of a key (a customer, a record key). A group costs one map entry of
// two small integers, where a string key cost a copy of the key for each claim. Two keys can share
// a hash, so whoever reads a group checks each slot's own key; a slot is held once per key added.

export class HashedGroups {
  private readonly groups = new Map<number, number | number[]>();

  add(key: string, slot: number): void {
    const hash = hashOf(key);
    const group = this.groups.get(hash);
    if (group === undefined) this.groups.set(hash, slot);
    else if (typeof group === 'number') this.groups.set(hash, [group, slot]);
    else group.push(slot);
  }

  /** Takes back one `add(key, slot)`: the slot stays for another of its keys with the same hash. */
  delete(key: string, slot: number): void {
    const hash = hashOf(key);
    const group = this.groups.get(hash);
    if (group === undefined) return;
    if (typeof group === 'number') {
      if (group === slot) this.groups.delete(hash);
      return;
    }
    const index = group.indexOf(slot);
    if (index >= 0) group.splice(index, 1);
    if (group.length === 1) this.groups.set(hash, group[0]!);
  }

  /** The slots under `key`'s hash, each once, in the order they joined: a superset of those under `key`. */
  candidates(key: string): number[] {
    const group = this.groups.get(hashOf(key));
    if (group === undefined) return [];
    return typeof group === 'number' ? [group] : [...new Set(group)];
  }
}

/** 30 bits of FNV-1a over the UTF-16 code units: a small integer, which V8 keeps without an object. */
export function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash & 0x3fffffff;
}
