// How many ticks per second the simulator streams to one client when unthrottled (--rate 0).
// The simulator runs as its own process (`tick-ingester simulate`); this process is the client and
// counts whole messages, without decoding them unless --decode, so the figure is the server's.
// Usage: bun bench/simulator.ts [--workload sparse|heavy] [--seconds 10] [--decode]
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fromBinary, create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { StreamTicksRequestSchema, TickSchema } from "../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { sequencerDefinition } from "../src/simulator/service.ts";

const { values } = parseArgs({
  options: {
    workload: { type: "string", default: "sparse" },
    seconds: { type: "string", default: "10" },
    decode: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const main = join(import.meta.dir, "../src/main.ts");

const server = Bun.spawn(
  ["bun", main, "simulate", "--listen", "127.0.0.1:0", "--rate", "0", "--workload", values.workload!, "--log-level", "warn"],
  { stdout: "pipe", stderr: "inherit" },
);
const reader = server.stdout.getReader();
let firstLine = "";
while (!firstLine.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("the simulator exited before printing its address");
  firstLine += new TextDecoder().decode(value);
}
const { address } = JSON.parse(firstLine.slice(0, firstLine.indexOf("\n")));

const Client = grpc.makeGenericClientConstructor(sequencerDefinition, "SequencerService");
const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  streamTicks(request: Uint8Array): grpc.ClientReadableStream<Buffer>;
};
const call = client.streamTicks(toBinary(StreamTicksRequestSchema, create(StreamTicksRequestSchema, { startTick: 1n })));

let ticks = 0;
let bytes = 0;
call.on("data", (message: Buffer) => {
  ticks++;
  bytes += message.length;
  if (values.decode) fromBinary(TickSchema, message);
});
call.on("error", (error: grpc.ServiceError) => {
  if (error.code !== grpc.status.CANCELLED) throw error;
});

const perSecond: number[] = [];
const started = performance.now();
let previous = 0;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    perSecond.push(ticks - previous);
    previous = ticks;
    if (perSecond.length === seconds) {
      clearInterval(timer);
      resolve();
    }
  }, 1000);
});
const elapsed = (performance.now() - started) / 1000;
call.cancel();
client.close();
server.kill("SIGTERM");
await server.exited;

const rate = Math.round(ticks / elapsed);
console.log(
  JSON.stringify({
    workload: values.workload,
    decode: values.decode,
    seconds: Number(elapsed.toFixed(2)),
    ticks,
    ticksPerSecond: rate,
    megabytesPerSecond: Number((bytes / elapsed / 1e6).toFixed(1)),
    perSecond,
  }),
);
