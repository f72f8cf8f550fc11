// The floor under the ingester's main thread: the CPU this Bun process spends only reading
// StreamTicks from the simulator (unthrottled) with the ingester's own StreamTicks reader
// (src/source/grpc-stream.ts), and with --peek also reading each tick's number and outputs
// (src/source/tick-peek.ts), as the main thread does before it orders and dispatches a tick.
//   bun bench/stream-floor.ts [--workload sparse|heavy] [--seconds 10] [--peek]
import { create, toBinary } from "@bufbuild/protobuf";
import { parseArgs } from "node:util";
import { SequencerService, StreamTicksRequestSchema } from "../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { Workload } from "../src/simulator/index.ts";
import { MAX_TICK_BYTES } from "../src/source/continuum-client.ts";
import { openServerStream } from "../src/source/grpc-stream.ts";
import { peekTick } from "../src/source/tick-peek.ts";
import { builtBinary } from "../test/support/binary.ts";
import { spawnSimulator } from "../test/support/processes.ts";
import { FIRST_TICK, nowMicros, simulatorArgs } from "./support/workload-ticks.ts";

const { values } = parseArgs({
  options: {
    workload: { type: "string", default: "sparse" },
    seconds: { type: "string", default: "10" },
    peek: { type: "boolean", default: false },
  },
});
const workload = values.workload as Workload;
const WARMUP_MS = 3_000;

const server = await spawnSimulator(simulatorArgs(workload, nowMicros(), 0), { command: [builtBinary()] });
let ticks = 0;
const call = openServerStream(
  { origin: `http://${server.address}`, keepalive: { intervalMs: 10_000, timeoutMs: 5_000 }, maxMessageBytes: MAX_TICK_BYTES },
  `/${SequencerService.typeName}/${SequencerService.method.streamTicks.name}`,
  toBinary(StreamTicksRequestSchema, create(StreamTicksRequestSchema, { startTick: FIRST_TICK })),
  {
    onMessage: (bytes) => {
      ticks++;
      if (values.peek) peekTick(bytes);
    },
    onEnd: () => {},
  },
);
try {
  await Bun.sleep(WARMUP_MS);
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const [ticksBefore, cpuBefore, started] = [ticks, cpu(), performance.now()];
  await Bun.sleep(Number(values.seconds) * 1000);
  const [read, seconds] = [ticks - ticksBefore, (performance.now() - started) / 1000];
  console.log(
    `${workload}${values.peek ? ", with peekTick" : ""}: ${Math.round(read / seconds)} ticks/s read, ` +
      `${(((cpu() - cpuBefore) / read) * 100_000).toFixed(3)} CPU s per 100k ticks in this process`,
  );
  console.log(`command: bun bench/stream-floor.ts ${process.argv.slice(2).join(" ")}`);
} finally {
  call.cancel();
  server.proc.kill("SIGTERM");
  await server.proc.exited;
}
