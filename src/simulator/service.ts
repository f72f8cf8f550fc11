// SequencerService for grpc-js, built from the generated descriptor. Every answer is bytes the
// simulator encoded itself, so the response serializer passes them through untouched; methods
// without a handler answer UNIMPLEMENTED (grpc-js's default).
import { fromBinary } from "@bufbuild/protobuf";
import { status, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from "@grpc/grpc-js";
import {
  SequencerService,
  type GetChainStateRequest,
  type GetTickRequest,
  type StreamTicksRequest,
} from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { StatusAnswers } from "./status.ts";
import { TickStream, type StreamContext } from "./stream.ts";

const passThrough = (bytes: Uint8Array) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

export const sequencerDefinition: ServiceDefinition = Object.fromEntries(
  SequencerService.methods.map((method) => [
    method.localName,
    {
      path: `/${SequencerService.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
      requestSerialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  ]),
);

type Unary<Request> = (call: ServerUnaryCall<Request, Uint8Array>, callback: sendUnaryData<Uint8Array>) => void;

export function sequencerImplementation(
  context: StreamContext,
  answers: StatusAnswers,
  streams: Set<TickStream>,
): UntypedServiceImplementation {
  const getTick: Unary<GetTickRequest> = (call, callback) =>
    context.plan.refusesGetTick
      ? callback({ code: status.PERMISSION_DENIED, details: "GetTick is not allowed for this client" })
      : callback(null, answers.getTick(call.request.tickNumber));
  const getStatus: Unary<unknown> = (_call, callback) => callback(null, answers.getStatus());
  const getChainState: Unary<GetChainStateRequest> = (call, callback) => callback(null, answers.getChainState(call.request.tickLimit));
  const streamTicks = (call: ServerWritableStream<StreamTicksRequest, Uint8Array>) => {
    const stream = new TickStream(call, context);
    streams.add(stream);
    stream
      .run()
      .catch((error: unknown) => {
        context.log.error({ err: error }, "stream failed");
        stream.breakOff(`simulator error: ${String(error)}`, status.INTERNAL);
      })
      .finally(() => streams.delete(stream));
  };
  return { getTick, getStatus, getChainState, streamTicks };
}
