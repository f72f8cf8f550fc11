// The one place that sees ticks in stream order: it recognises repeated and older ticks, gaps in
// the numbering, ticks already committed before a restart, and breaks in the VDF chain.
// It decides; the ingester acts (fetching gaps, batching, dropping repeats).
import type { ChainBreak } from "../sink/records.ts";
import type { PeekedTick } from "../source/tick-peek.ts";

export type Decision =
  | { kind: "accept"; chainBreak?: ChainBreak }
  | { kind: "repeat" }
  | { kind: "committed" }
  | { kind: "gap"; first: bigint; last: bigint };

const decoder = new TextDecoder();

export function sameBytes(a: Uint8Array, b: Uint8Array) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class TickOrder {
  private expected: bigint | undefined;
  private lastNumber: bigint | undefined;
  private lastOutput: Uint8Array | undefined;
  private committed: Array<[bigint, bigint]> = [];

  /**
   * @param expected the next tick wanted; undefined to take the first tick the stream sends
   * @param committedAhead ranges above `expected` already in the database (from before a restart)
   */
  constructor(expected: bigint | undefined, committedAhead: Array<[bigint, bigint]> = []) {
    this.expected = expected;
    this.committed = [...committedAhead];
  }

  /** Starts at `expected`, once the checkpoint (or the first tick of a new stream) says where. */
  startAt(expected: bigint, committedAhead: Array<[bigint, bigint]> = []): void {
    this.expected = expected;
    this.committed = [...committedAhead];
    this.lastNumber = undefined;
    this.lastOutput = undefined;
  }

  /** The next tick number wanted, where a reconnect resumes. */
  get next(): bigint | undefined {
    return this.expected;
  }

  offer(tick: PeekedTick): Decision {
    const n = tick.tickNumber;
    this.expected ??= n;
    if (n < this.expected) return { kind: "repeat" };
    if (n > this.expected) return { kind: "gap", first: this.expected, last: n - 1n };
    if (this.isCommitted(n)) {
      this.pass(n, tick.output);
      return { kind: "committed" };
    }
    let chainBreak: ChainBreak | undefined;
    if (this.lastNumber === n - 1n && this.lastOutput && !sameBytes(this.lastOutput, tick.previousOutput)) {
      chainBreak = { tickNumber: n, expected: decoder.decode(this.lastOutput), got: decoder.decode(tick.previousOutput) };
    }
    this.pass(n, tick.output);
    return chainBreak ? { kind: "accept", chainBreak } : { kind: "accept" };
  }

  /**
   * Whether tick n was committed before this run started; such ticks are not fetched again.
   * Asking does not forget anything: the backfill asks about ticks ahead of the ones it places.
   */
  isCommitted(n: bigint): boolean {
    for (const [first, last] of this.committed) {
      if (first > n) return false; // in order: no later range holds n
      if (n <= last) return true;
    }
    return false;
  }

  /** The committed-before-this-run ranges that overlap [first, last], clipped to it. */
  committedWithin(first: bigint, last: bigint): Array<[bigint, bigint]> {
    return this.committed
      .filter(([a, b]) => b >= first && a <= last)
      .map(([a, b]) => [a < first ? first : a, b > last ? last : b] as [bigint, bigint]);
  }

  /** Moves past tick n, which was stored, rejected or is missing (output unknown). */
  pass(n: bigint, output?: Uint8Array): void {
    // Nothing below the next tick is asked about again.
    while (this.committed.length > 0 && this.committed[0]![1] <= n) this.committed.shift();
    this.lastNumber = n;
    this.lastOutput = output && output.byteLength > 0 ? output : undefined;
    this.expected = n + 1n;
  }
}
