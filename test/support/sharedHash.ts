import { hashOf } from '../../storage/files/hashedGroups.js';

/** Two numbers whose keys (`keyOf`) share a hash in the files index, found by trying 0, 1, 2… in turn. */
export function numbersSharingAHash(keyOf: (n: number) => string): [number, number] {
  const seen = new Map<number, number>();
  for (let n = 0; ; n += 1) {
    const hash = hashOf(keyOf(n));
    const earlier = seen.get(hash);
    if (earlier !== undefined) return [earlier, n];
    seen.set(hash, n);
  }
}
