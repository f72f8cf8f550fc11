// Where the simulated chain is: its head (the latest tick produced) and the history it still serves.
// With a rate, tick n is produced at its own timestamp, genesis + (n - first) / rate, so the head
// follows the wall clock. With rate 0, ticks are produced on demand: the head is the furthest tick
// any stream has sent (the first tick before any has), so a client reads as fast as it can.
// Nothing is produced after stopAt.

export interface ChainOptions {
  firstTick: bigint;
  stopAt?: bigint;
  history: number;
  rate: number;
  genesisMicros: bigint;
  /** When tick n is produced (its timestamp), in microseconds since the Unix epoch. */
  timestampOf: (n: bigint) => bigint;
}

export const nowMicros = () => BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));

export class Chain {
  private producedHead: bigint;

  constructor(private readonly options: ChainOptions) {
    this.producedHead = options.firstTick;
  }

  head(): bigint {
    const { firstTick, stopAt, rate, genesisMicros } = this.options;
    if (rate === 0) return this.producedHead;
    // The last n whose timestamp genesis + floor((n - first) * 1e6 / rate) is not after now.
    const elapsed = nowMicros() - genesisMicros;
    let head = elapsed < 0n ? firstTick : firstTick + ((elapsed + 1n) * BigInt(rate) - 1n) / 1_000_000n;
    if (stopAt !== undefined && head > stopAt) head = stopAt;
    return head;
  }

  /** The oldest tick still in history. */
  oldest(): bigint {
    const oldest = this.head() - BigInt(this.options.history) + 1n;
    return oldest > this.options.firstTick ? oldest : this.options.firstTick;
  }

  inHistory(n: bigint): boolean {
    return n >= this.oldest() && n <= this.head();
  }

  /** Where a stream asked to start at `requested` starts: 0 is the head, older than history is the oldest. */
  streamStart(requested: bigint): bigint {
    if (requested === 0n) return this.head();
    const oldest = this.oldest();
    return requested < oldest ? oldest : requested;
  }

  /** Whether tick n exists now; with rate 0, asking for it produces it (up to stopAt). */
  reach(n: bigint): boolean {
    if (this.options.rate > 0) return n <= this.head();
    if (this.options.stopAt !== undefined && n > this.options.stopAt) return false;
    if (n > this.producedHead) this.producedHead = n;
    return true;
  }

  /** Milliseconds until tick n is produced; undefined when it never will be. */
  msUntil(n: bigint): number | undefined {
    const { stopAt, rate, timestampOf } = this.options;
    if (stopAt !== undefined && n > stopAt) return undefined;
    if (rate === 0) return 0;
    const waitMicros = Number(timestampOf(n) - nowMicros());
    return Math.max(0, Math.ceil(waitMicros / 1000));
  }
}
