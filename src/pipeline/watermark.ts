// How far ingestion got. Batches commit out of order; the watermark is the first tick number not
// yet known to be committed, and only moves over a contiguous run of committed ranges.

export class Watermark {
  /** Committed ranges above the watermark, by first tick. */
  private readonly ahead = new Map<bigint, bigint>();

  constructor(private nextTick: bigint) {}

  /** Every tick below this is committed. */
  get next(): bigint {
    return this.nextTick;
  }

  /** Ranges committed above the watermark, in order: re-read ticks inside them are skipped. */
  get committedAhead(): Array<[bigint, bigint]> {
    return [...this.ahead].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  commit(first: bigint, last: bigint): void {
    if (last < this.nextTick) return;
    if (first > this.nextTick) {
      this.ahead.set(first, last);
      return;
    }
    this.nextTick = last + 1n;
    for (let end = this.ahead.get(this.nextTick); end !== undefined; end = this.ahead.get(this.nextTick)) {
      this.ahead.delete(this.nextTick);
      this.nextTick = end + 1n;
    }
  }
}
