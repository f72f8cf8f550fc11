// How long to wait before trying again: doubling from 100 ms after each failure, capped at 5 s,
// so that a short hiccup costs little and a long outage is not hammered.

export interface BackoffRange {
  minMs?: number;
  maxMs?: number;
}

/** The wait after `failures` failures in a row (0 for the first retry). */
export function backoff(failures: number, { minMs = 100, maxMs = 5_000 }: BackoffRange = {}): number {
  return Math.min(maxMs, minMs * 2 ** failures);
}
