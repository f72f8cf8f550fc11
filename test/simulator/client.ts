// A gRPC client for the simulator's tests: requests encoded with the generated schemas, answers
// kept as the raw bytes the server sent, so tests can compare bytes and decode them themselves.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import {
  GetChainStateRequestSchema,
  GetChainStateResponseSchema,
  GetStatusRequestSchema,
  GetStatusResponseSchema,
  GetTickRequestSchema,
  GetTickResponseSchema,
  StreamTicksRequestSchema,
  TickSchema,
  type Tick,
} from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { sequencerDefinition } from "../../src/simulator/service.ts";

const RawClient = grpc.makeGenericClientConstructor(sequencerDefinition, "SequencerService");

/** A client of the sequencer's service whose calls take and give the messages' bytes, undecoded. */
export function rawSequencerClient(address: string): grpc.Client & Record<string, unknown> {
  return new RawClient(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  }) as grpc.Client & Record<string, unknown>;
}
type Call = (request: Uint8Array, callback: (error: grpc.ServiceError | null, response: Buffer) => void) => void;

export interface StreamResult {
  messages: Buffer[];
  /** performance.now() when each message arrived. */
  arrivals: number[];
  /** How the stream ended: by the server (with its status) or because the test had enough or waited long enough. */
  end: { by: "server"; code: grpc.status; details: string } | { by: "count" } | { by: "idle" };
}

export class TestClient {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(address: string) {
    this.client = rawSequencerClient(address);
  }

  /** Reads StreamTicks(startTick) until `count` messages, the server ends it, or nothing comes for idleMs. */
  stream(startTick: bigint, options: { count?: number; idleMs?: number } = {}): Promise<StreamResult> {
    const { count = Number.POSITIVE_INFINITY, idleMs = 1000 } = options;
    const request = toBinary(StreamTicksRequestSchema, create(StreamTicksRequestSchema, { startTick }));
    const call = (this.client.streamTicks as (request: Uint8Array) => grpc.ClientReadableStream<Buffer>)(request);
    const messages: Buffer[] = [];
    const arrivals: number[] = [];
    return new Promise((resolve) => {
      let idle: ReturnType<typeof setTimeout> | undefined;
      const finish = (end: StreamResult["end"]) => {
        clearTimeout(idle);
        call.removeAllListeners("data");
        if (end.by !== "server") call.cancel();
        resolve({ messages, arrivals, end });
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish({ by: "idle" }), idleMs);
      };
      call.on("data", (message: Buffer) => {
        messages.push(message);
        arrivals.push(performance.now());
        if (messages.length >= count) finish({ by: "count" });
        else armIdle();
      });
      call.on("error", (error: grpc.ServiceError) => {
        if (error.code !== grpc.status.CANCELLED) finish({ by: "server", code: error.code, details: error.details });
      });
      call.on("status", (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK) finish({ by: "server", code: status.code, details: status.details });
      });
      armIdle();
    });
  }

  private unary(method: string, request: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      (this.client[method] as Call).call(this.client, request, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }

  /** The raw GetTickResponse. */
  getTickBytes(tickNumber: bigint): Promise<Buffer> {
    return this.unary("getTick", toBinary(GetTickRequestSchema, create(GetTickRequestSchema, { tickNumber })));
  }

  async getTick(tickNumber: bigint) {
    return fromBinary(GetTickResponseSchema, await this.getTickBytes(tickNumber));
  }

  async getStatus() {
    return fromBinary(
      GetStatusResponseSchema,
      await this.unary("getStatus", toBinary(GetStatusRequestSchema, create(GetStatusRequestSchema))),
    );
  }

  async getChainState(tickLimit: number) {
    const request = toBinary(GetChainStateRequestSchema, create(GetChainStateRequestSchema, { tickLimit }));
    return fromBinary(GetChainStateResponseSchema, await this.unary("getChainState", request));
  }

  /** Calls a method by name with an empty request, to see how the server answers it. */
  callEmpty(method: string): Promise<Buffer> {
    return this.unary(method, new Uint8Array());
  }

  close(): void {
    this.client.close();
  }
}

export const decodeTick = (bytes: Uint8Array): Tick => fromBinary(TickSchema, bytes);

/** The tick inside a GetTickResponse exactly as sent (field 1), or undefined when absent. */
export function embeddedTickBytes(response: Uint8Array): Uint8Array | undefined {
  const reader = new BinaryReader(response);
  let tick: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) tick = reader.bytes();
    else reader.skip(wireType);
  }
  return tick;
}
export const tickNumbers = (messages: Buffer[]) => messages.map((bytes) => decodeTick(bytes).tickNumber);
/** from, from + 1, ..., to */
export const range = (from: bigint, to: bigint) => Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i));
