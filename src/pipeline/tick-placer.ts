// Places each message of the stream: the tick order decides (next, repeat, gap, committed before),
// and the placer acts: it hands the tick to the dispatcher, fetches what the stream skipped, holds
// messages without a usable number until it knows what they were, and keeps what cannot be a tick
// of this sequencer as a reject.
import type { StatusObject } from "@grpc/grpc-js";
import type { ChainBreak } from "../sink/records.ts";
import { type ContinuumClient, isMessageTooLarge } from "../source/continuum-client.ts";
import { peekOrError, type PeekedTick } from "../source/tick-peek.ts";
import { Backfill, BACKFILL_WINDOW } from "./backfill.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { type IngesterEvents, untimelyKind } from "./ingester-contract.ts";
import { type Decision, TickOrder } from "./tick-order.ts";
import { UnreadableMessages } from "./unreadable.ts";

export interface PlacerParts {
  client: ContinuumClient;
  dispatcher: Dispatcher;
  events: Pick<IngesterEvents, "repeated" | "untimely" | "getTickFailed" | "backfilled">;
  signal: AbortSignal;
}

export class TickPlacer {
  readonly order = new TickOrder(undefined);
  readonly backfill: Backfill;
  private readonly unreadable: UnreadableMessages;
  /** RETAIN_FOR in microseconds, from the database; undefined without one (console mode). */
  retainForMicros: bigint | undefined;
  /** START_TICK=0 on a new database: makes the first tick the checkpoint, and says where to start. */
  private startAtFirstTick: ((tickNumber: bigint) => Promise<bigint>) | undefined;

  constructor(private readonly parts: PlacerParts) {
    this.unreadable = new UnreadableMessages(parts.dispatcher, BACKFILL_WINDOW);
    this.backfill = new Backfill({
      ...parts,
      order: this.order,
      unreadable: this.unreadable,
      store: (tick, bytes, chainBreak) => this.store(tick, bytes, chainBreak),
    });
  }

  /** Starts at the first tick the stream sends, once `start` has made it the checkpoint. */
  startAtFirst(start: (tickNumber: bigint) => Promise<bigint>) {
    this.startAtFirstTick = start;
  }

  /** Places one tick from the stream; returns a promise only when the caller must wait. */
  accept(bytes: Uint8Array): void | Promise<void> {
    const tick = peekOrError(bytes);
    if (tick instanceof Error)
      return this.unreadable.hold({ code: "undecodable", detail: `not a valid Tick message: ${tick.message}`, bytes });
    if (tick.tickNumber === 0n) return this.unreadable.hold({ code: "zero_tick_number", detail: "tick_number is 0", bytes });
    if (this.startAtFirstTick) return this.startFrom(tick, bytes, this.startAtFirstTick);
    const decision = this.order.offer(tick);
    if (decision.kind !== "gap" && this.unreadable.any) return this.unreadable.rejectAll().then(() => this.place(tick, bytes, decision));
    return this.place(tick, bytes, decision);
  }

  /** The stream broke off: no later tick of it can show what the held messages were. */
  rejectHeld(): Promise<void> {
    return this.unreadable.rejectAll();
  }

  private place(tick: PeekedTick, bytes: Uint8Array, decision: Decision): void | Promise<void> {
    switch (decision.kind) {
      case "accept":
        return this.store(tick, bytes, decision.chainBreak);
      case "gap":
        return this.placeAfterGap(tick, bytes, decision.first, decision.last);
      default:
        this.parts.events.repeated();
    }
  }

  /** Hands an accepted tick to the dispatcher, reporting a timestamp that retention or the lag would get wrong. */
  private store(tick: PeekedTick, bytes: Uint8Array, chainBreak: ChainBreak | undefined): void | Promise<void> {
    const kind = untimelyKind(tick.timestamp, BigInt(Date.now()) * 1000n, this.retainForMicros);
    if (kind) this.parts.events.untimely(kind, tick.tickNumber, tick.timestamp);
    return this.parts.dispatcher.tick(tick.tickNumber, bytes, chainBreak);
  }

  private async startFrom(tick: PeekedTick, bytes: Uint8Array, start: (tickNumber: bigint) => Promise<bigint>) {
    const doubt = await this.backfill.beyondSequencer(tick.tickNumber);
    if (doubt) return this.rejectImplausible(tick.tickNumber, doubt, bytes);
    this.order.startAt(await start(tick.tickNumber));
    this.startAtFirstTick = undefined;
    await this.accept(bytes);
  }

  /** The stream skipped [first, last] and sent `tick`: fetch what it skipped, then place the tick. */
  private async placeAfterGap(tick: PeekedTick, bytes: Uint8Array, first: bigint, last: bigint) {
    const doubt = await this.backfill.jumpDoubt(tick.tickNumber, first, last);
    if (doubt) return this.rejectImplausible(tick.tickNumber, doubt, bytes);
    await this.backfill.fill(first, last);
    await this.accept(bytes);
  }

  /** A tick number the sequencer does not vouch for: kept as a reject under no number, and not placed. */
  private rejectImplausible(n: bigint, why: string, bytes: Uint8Array) {
    return this.parts.dispatcher.reject(undefined, "implausible_tick_number", `tick ${n}: ${why}`, bytes);
  }

  /**
   * The stream ended on a message too large to receive. Only if GetTick fails the same way for the
   * next tick was that message the tick: a reject. If GetTick has it, it is taken from there; on
   * any other answer the stream reconnects as after any error.
   */
  async rejectTooLarge(detail: string) {
    const n = this.order.next;
    if (n === undefined) return;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.parts.client.getTick(n);
    } catch (error) {
      if (!isMessageTooLarge(error as StatusObject)) return;
      this.order.pass(n);
      await this.parts.dispatcher.reject(n, "too_large", detail, new Uint8Array(0));
      return;
    }
    if (bytes !== undefined) await this.accept(bytes);
  }
}
