// What the stream skipped, fetched with GetTick a few at a time and placed in order. After a long
// outage the lost run is found by bisection and recorded as one gap; a far jump is believed only
// when the sequencer vouches for the tick it sent.
import { status as grpcStatus, type StatusObject } from "@grpc/grpc-js";
import { backoff } from "../common/backoff.ts";
import type { ChainBreak } from "../sink/records.ts";
import type { ContinuumClient } from "../source/continuum-client.ts";
import { peekOrError, type PeekedTick } from "../source/tick-peek.ts";
import { Aborted, type Dispatcher } from "./dispatcher.ts";
import type { IngesterEvents, IngesterStatus } from "./ingester-contract.ts";
import type { TickOrder } from "./tick-order.ts";
import type { UnreadableMessages } from "./unreadable.ts";

/** GetTick calls in flight at once. */
export const BACKFILL_WINDOW = 16;
/** Above this many missing ticks, first look for where the sequencer's history begins. */
const BACKFILL_SEARCH_ABOVE = 1_000n;
/** A stream that skips more ticks than this must show the sequencer vouches for the tick it sent. */
const CHECK_JUMPS_ABOVE = BigInt(BACKFILL_WINDOW);
/** No tick can follow this one: the next number would not fit the checkpoint. */
const LAST_TICK_NUMBER = 2n ** 64n - 1n;

export interface BackfillParts {
  client: ContinuumClient;
  order: TickOrder;
  dispatcher: Dispatcher;
  unreadable: UnreadableMessages;
  events: Pick<IngesterEvents, "getTickFailed" | "backfilled">;
  signal: AbortSignal;
  /** Stores a tick the order accepted. */
  store(tick: PeekedTick, bytes: Uint8Array, chainBreak?: ChainBreak): void | Promise<void>;
}

export class Backfill {
  /** GetTick has failed since then, with this error; undefined when it answers. */
  getTickFailing: IngesterStatus["getTickFailing"];

  constructor(private readonly parts: BackfillParts) {}

  /**
   * Why the stream's jump over [first, last] to tick n is not to be believed; undefined for a short
   * jump or one the sequencer vouches for.
   */
  async jumpDoubt(n: bigint, first: bigint, last: bigint): Promise<string | undefined> {
    if (last - first + 1n <= CHECK_JUMPS_ABOVE) return undefined;
    const doubt = await this.doubt(n);
    return doubt && `${last - first + 1n} ticks ahead of the expected ${first}, and ${doubt}`;
  }

  /** Why tick n cannot be a tick of this sequencer (when GetStatus answers), or undefined. */
  async beyondSequencer(n: bigint): Promise<string | undefined> {
    if (n === LAST_TICK_NUMBER) return "no tick can follow it";
    const head = await this.parts.client.currentTick().catch(() => undefined);
    if (head !== undefined && n > head) return `GetStatus says the current tick is ${head}`;
    return undefined;
  }

  /**
   * Why tick n, sent far ahead of the expected one, is not to be believed; undefined when the
   * sequencer vouches for it: GetStatus has produced it (when it answers) and GetTick has it.
   */
  private async doubt(n: bigint): Promise<string | undefined> {
    const beyond = await this.beyondSequencer(n);
    if (beyond) return beyond;
    const served = await this.fetchTick(n);
    if (served === undefined) return `GetTick(${n}) found no such tick`;
    const peeked = peekOrError(served);
    if (peeked instanceof Error) return `GetTick(${n}) returned bytes that are not a Tick (${peeked.message})`;
    return peeked.tickNumber === n ? undefined : `GetTick(${n}) returned tick ${peeked.tickNumber}`;
  }

  /** The stream skipped [first, last]: fetch each tick with GetTick, a few at a time, in order. */
  async fill(first: bigint, last: bigint) {
    const { order, dispatcher, unreadable } = this.parts;
    if (last - first >= BACKFILL_SEARCH_ABOVE) first = await this.skipBeyondHistory(first, last);
    const fetches = new Map<bigint, Promise<Uint8Array | undefined>>();
    let ahead = first;
    let found = 0;
    for (let n = first; n <= last; n++) {
      if (order.isCommitted(n)) {
        order.pass(n);
        continue;
      }
      for (; ahead <= last && ahead < n + BigInt(BACKFILL_WINDOW); ahead++) {
        if (!order.isCommitted(ahead)) fetches.set(ahead, this.fetchTick(ahead));
      }
      const bytes = await fetches.get(n)!;
      fetches.delete(n);
      if (bytes === undefined) {
        order.pass(n);
        await dispatcher.gap(n, "not in the stream and GetTick found no such tick");
        continue;
      }
      const held = unreadable.take(bytes);
      if (held) {
        order.pass(n);
        await dispatcher.reject(n, held.code, `${held.detail} (in the stream, and from GetTick(${n}))`, bytes);
        continue;
      }
      const tick = peekOrError(bytes);
      if (tick instanceof Error || tick.tickNumber !== n) {
        order.pass(n);
        const got = tick instanceof Error ? `bytes that are not a Tick (${tick.message})` : `tick ${tick.tickNumber}`;
        await dispatcher.reject(n, "backfill_mismatch", `GetTick(${n}) returned ${got}`, bytes);
        continue;
      }
      found++;
      const decision = order.offer(tick);
      if (decision.kind === "accept") await this.parts.store(tick, bytes, decision.chainBreak);
    }
    this.parts.events.backfilled(first, last, found);
  }

  /**
   * After a long outage the stream resumes at the oldest tick the sequencer still keeps, and
   * everything before it is gone: find that point by bisection (history is a suffix of the chain)
   * instead of asking for every lost tick, and record the lost run as one gap. Returns where
   * fetching should start.
   */
  private async skipBeyondHistory(first: bigint, last: bigint): Promise<bigint> {
    if ((await this.fetchTick(first)) !== undefined) return first;
    let missing = first; // not available
    let available = last + 1n; // the tick the stream sent is
    while (available - missing > 1n) {
      const mid = missing + (available - missing) / 2n;
      if ((await this.fetchTick(mid)) === undefined) missing = mid;
      else available = mid;
    }
    await this.recordGap(first, missing, "older than the sequencer's history");
    return missing + 1n;
  }

  /** [first, last] cannot be had; ticks in it that committed before this run are left alone. */
  private async recordGap(first: bigint, last: bigint, reason: string) {
    const { order, dispatcher } = this.parts;
    let from = first;
    for (const [committedFirst, committedLast] of order.committedWithin(first, last)) {
      if (committedFirst > from) await dispatcher.gapRange(from, committedFirst - 1n, reason);
      from = committedLast + 1n;
    }
    if (from <= last) await dispatcher.gapRange(from, last, reason);
    order.pass(last);
  }

  /**
   * GetTick, retried until it answers (the stream waits meanwhile); undefined when the sequencer
   * has no such tick. Every failure is reported, and /ready says while it lasts.
   */
  private async fetchTick(n: bigint): Promise<Uint8Array | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (this.parts.signal.aborted) throw new Aborted();
      try {
        const bytes = await this.parts.client.getTick(n);
        this.getTickFailing = undefined;
        return bytes;
      } catch (error) {
        const { code, details } = error as Partial<StatusObject>;
        const name = grpcStatus[code ?? -1] ?? "UNKNOWN";
        const reason = details ?? String(error);
        this.getTickFailing = { sinceMs: this.getTickFailing?.sinceMs ?? Date.now(), code: name, reason };
        const delay = backoff(attempt - 1);
        this.parts.events.getTickFailed(n, name, reason, attempt, delay);
        await Bun.sleep(delay);
      }
    }
  }
}
