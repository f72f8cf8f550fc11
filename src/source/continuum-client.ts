// The Continuum SequencerService over @grpc/grpc-js, handing out tick messages as raw bytes: the
// main thread only peeks at them, and Workers decode them.
import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import {
  GetStatusRequestSchema,
  GetStatusResponseSchema,
  GetTickRequestSchema,
  SequencerService,
  StreamTicksRequestSchema,
} from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { openServerStream, type Http2Target, type ServerStreamCall, type ServerStreamHandlers } from "./grpc-stream.ts";

/** A tick message larger than this is refused by the client (and stored as a reject). */
export const MAX_TICK_BYTES = 16 * 1024 * 1024;

/**
 * Whether a call failed because a message exceeded MAX_TICK_BYTES, as grpc-js reports it. The
 * status code alone says nothing: servers and proxies answer RESOURCE_EXHAUSTED for overload and
 * quotas too.
 */
export function isMessageTooLarge(status: { code?: unknown; details?: unknown }): boolean {
  return (
    status.code === grpc.status.RESOURCE_EXHAUSTED &&
    typeof status.details === "string" &&
    /^Received message (larger than max|that decompresses to a size larger than)/.test(status.details)
  );
}

export interface ContinuumOptions {
  tls?: boolean;
  caFile?: string;
  /** Default: a PING every 10 s, 5 s for its answer. */
  keepalive?: { intervalMs: number; timeoutMs: number };
}

const KEEPALIVE = { intervalMs: 10_000, timeoutMs: 5_000 };

const methodPath = (name: string) => `/${SequencerService.typeName}/${name}`;
const passBytes = (bytes: Buffer): Uint8Array => bytes;
const encoder =
  <Desc extends DescMessage>(schema: Desc) =>
  (value: MessageInitShape<Desc>) =>
    Buffer.from(toBinary(schema, create(schema, value)));

export class ContinuumClient {
  private readonly client: grpc.Client;
  private readonly streamTarget: Http2Target;

  constructor(
    readonly address: string,
    options: ContinuumOptions = {},
  ) {
    const ca = options.tls && options.caFile ? readFileSync(options.caFile) : undefined;
    const credentials = options.tls ? grpc.credentials.createSsl(ca ?? null) : grpc.credentials.createInsecure();
    const keepalive = options.keepalive ?? KEEPALIVE;
    this.client = new grpc.Client(address, credentials, {
      "grpc.max_receive_message_length": MAX_TICK_BYTES,
      "grpc.keepalive_time_ms": keepalive.intervalMs,
      "grpc.keepalive_timeout_ms": keepalive.timeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
    });
    this.streamTarget = { origin: `${options.tls ? "https" : "http"}://${address}`, ca, keepalive, maxMessageBytes: MAX_TICK_BYTES };
  }

  /**
   * StreamTicks read by the lean reader (grpc-stream.ts) on a connection of its own: each message is
   * handed over as the Tick's bytes, one at a time. The ingester's hot path.
   */
  readTicks(startTick: bigint, handlers: ServerStreamHandlers): ServerStreamCall {
    const request = toBinary(StreamTicksRequestSchema, create(StreamTicksRequestSchema, { startTick }));
    return openServerStream(this.streamTarget, methodPath(SequencerService.method.streamTicks.name), request, handlers);
  }

  /** StreamTicks over grpc-js, as a readable stream of the Tick's bytes (verify reads windows with it). */
  streamTicks(startTick: bigint): grpc.ClientReadableStream<Uint8Array> {
    return this.client.makeServerStreamRequest(
      methodPath(SequencerService.method.streamTicks.name),
      encoder(StreamTicksRequestSchema),
      passBytes,
      { startTick },
    );
  }

  /** GetTick: the tick's bytes, or undefined when the sequencer no longer has it. */
  getTick(tickNumber: bigint, timeoutMs = 10_000): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        methodPath(SequencerService.method.getTick.name),
        encoder(GetTickRequestSchema),
        passBytes,
        { tickNumber },
        { deadline: Date.now() + timeoutMs },
        (error, response) => (error ? reject(error) : resolve(tickOfGetTickResponse(response!))),
      );
    });
  }

  /** GetStatus's current_tick: the newest tick the sequencer has produced. */
  currentTick(timeoutMs = 10_000): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        methodPath(SequencerService.method.getStatus.name),
        encoder(GetStatusRequestSchema),
        passBytes,
        {},
        { deadline: Date.now() + timeoutMs },
        (error, response) => (error ? reject(error) : resolve(fromBinary(GetStatusResponseSchema, response!).currentTick)),
      );
    });
  }

  close() {
    this.client.close();
  }
}

/** GetTickResponse { Tick tick = 1; bool found = 2; } read without decoding the tick. */
function tickOfGetTickResponse(bytes: Uint8Array): Uint8Array | undefined {
  const reader = new BinaryReader(bytes);
  let tick: Uint8Array | undefined;
  let found = false;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) tick = reader.bytes();
    else if (field === 2 && wireType === WireType.Varint) found = reader.bool();
    else reader.skip(wireType, field);
  }
  return found ? (tick ?? new Uint8Array(0)) : undefined;
}
