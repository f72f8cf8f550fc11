// The bytes the simulator serves for each tick, faults applied, with the latest encodings kept in a
// fixed ring so replays and GetTick do not encode the same tick again.
import { fromBinary } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { FaultPlan } from "./faults.ts";
import { faultyTickBytes } from "./faulty-ticks.ts";
import { encodeTick, transactionCount, type TickShape } from "./ticks.ts";

const CACHE_SLOTS = 4096;

export class ServedTicks {
  private readonly cachedTick: (bigint | undefined)[] = new Array(CACHE_SLOTS);
  private readonly cachedBytes: Uint8Array[] = new Array(CACHE_SLOTS);

  constructor(
    readonly shape: TickShape,
    private readonly plan: FaultPlan,
  ) {}

  bytes(n: bigint): Uint8Array {
    const slot = Number(n % BigInt(CACHE_SLOTS));
    if (this.cachedTick[slot] === n) return this.cachedBytes[slot]!;
    const fault = this.plan.contentFault(n);
    const bytes = fault ? faultyTickBytes(this.shape, n, fault) : encodeTick(this.shape, n);
    this.cachedTick[slot] = n;
    this.cachedBytes[slot] = bytes;
    return bytes;
  }

  /** The tick as served, decoded; a tick served as garbage has no decoding. */
  tick(n: bigint): Tick {
    if (this.plan.contentFault(n)?.type === "garbage") {
      throw new Error(`tick ${n} is served as garbage bytes, which do not decode; tickBytes(${n}) has them`);
    }
    return fromBinary(TickSchema, this.bytes(n));
  }

  /** Transactions in the tick as served; 0 for garbage. */
  transactionCount(n: bigint): number {
    const fault = this.plan.contentFault(n);
    if (!fault) return transactionCount(this.shape, n);
    return fault.type === "garbage" ? 0 : this.tick(n).transactions.length;
  }
}
