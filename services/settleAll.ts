/**
 * Every outcome in order, once all have settled; the first rejection otherwise. Nothing started
 * runs on after the caller has moved on (a file closed, a copy stopped).
 */
export async function settleAll<T>(work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  return settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}
