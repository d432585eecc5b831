// A stored value shared between callers instead of copied for each: frozen all the way down, so
// a caller that tried to change it would throw rather than change what every other caller sees.

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
