// One StreamTicks call: ticks from the start tick onwards, in order, as fast as the client reads
// (write until grpc-js buffers, then wait for 'drain'), waiting for ticks not produced yet, with the
// fault plan applied on the way.
import { status, type ServerWritableStream } from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import type { StreamTicksRequest } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { Chain } from "./chain.ts";
import { JUNK_BYTES, LEAP_TICKS, type FaultPlan } from "./faults.ts";
import type { ServedTicks } from "./served.ts";
import { VARINT, WireWriter, varintSize } from "./wire.ts";

/** Not a Tick message: 0xff starts a tag whose varint never ends within the field. */
const JUNK = Buffer.alloc(JUNK_BYTES, 0xff);

/** A tick's bytes with its number (field 1, written first) replaced. */
function renumbered(bytes: Uint8Array, number: bigint): Uint8Array {
  const reader = new BinaryReader(bytes);
  reader.tag();
  reader.uint64();
  const rest = bytes.subarray(reader.pos);
  return new WireWriter(1 + varintSize(number) + rest.length).tag(1, VARINT).varint(number).raw(rest).finish();
}

export interface StreamContext {
  chain: Chain;
  served: ServedTicks;
  plan: FaultPlan;
  log: Logger;
}

export class TickStream {
  private closed = false;
  private wake: (() => void) | undefined;
  private waitingForDrain = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sent = 0;

  constructor(
    private readonly call: ServerWritableStream<StreamTicksRequest, Uint8Array>,
    private readonly context: StreamContext,
  ) {
    call.on("cancelled", () => this.close());
    call.on("drain", () => {
      if (this.waitingForDrain) this.resume();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Ends the stream with UNAVAILABLE by default, as a sequencer that goes away would. */
  breakOff(details: string, code: status = status.UNAVAILABLE): void {
    if (this.closed) return;
    this.close();
    this.call.emit("error", { code, details });
  }

  async run(): Promise<void> {
    const { chain, served, plan, log } = this.context;
    const requested = this.call.request.startTick;
    let n = chain.streamStart(requested);
    log.info({ startTick: requested.toString(), from: n.toString() }, "stream opened");
    while (!this.closed) {
      if (!chain.reach(n)) {
        await this.sleep(chain.msUntil(n));
        continue;
      }
      let writable = true;
      if (!plan.affectsStreams) {
        writable = this.send(served.bytes(n));
      } else {
        const stall = plan.takeStall(n);
        if (stall > 0) {
          log.info({ tick: n.toString(), ms: stall }, "stalling");
          await this.sleep(stall);
          if (this.closed) break;
        }
        if (!plan.isOmitted(n)) writable = this.send(served.bytes(n));
        if (plan.isRepeated(n)) writable = this.send(served.bytes(n));
        if (plan.leapsAfter(n)) for (const number of LEAP_TICKS) writable = this.send(renumbered(served.bytes(n), number));
        for (let junk = plan.takeJunk(n); junk > 0; junk--) {
          if (!this.send(JUNK)) await this.drained();
          if (this.closed) break;
        }
        if (plan.takeExhaust(n)) {
          this.breakOff("too many streams", status.RESOURCE_EXHAUSTED);
          log.info({ tick: n.toString() }, "stream ended with RESOURCE_EXHAUSTED");
          break;
        }
        if (plan.takeDrop(n)) {
          this.breakOff(`simulated outage after tick ${n}`);
          log.info({ tick: n.toString() }, "stream broken off");
          break;
        }
      }
      n++;
      if (!writable) await this.drained();
    }
    log.info({ sent: this.sent, next: n.toString() }, "stream closed");
  }

  private send(bytes: Uint8Array): boolean {
    this.sent++;
    return this.call.write(bytes);
  }

  /** Until `ms` pass (undefined: for ever), or the stream closes. */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.timer = setTimeout(() => this.resume(), ms);
    });
  }

  /** Until grpc-js has room for more messages, or the stream closes. */
  private drained(): Promise<void> {
    this.waitingForDrain = true;
    return this.sleep(undefined);
  }

  private resume(): void {
    clearTimeout(this.timer);
    this.waitingForDrain = false;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private close(): void {
    this.closed = true;
    this.resume();
  }
}
