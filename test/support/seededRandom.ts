/** Whole numbers below `below` from a fixed linear congruential sequence, so a failure repeats. */
export function seededRandom(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % below;
  };
}
