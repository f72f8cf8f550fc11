// How many ticks per second the simulator streams to one client when unthrottled (--rate 0): the
// simulator runs as its own process; this process is the client and counts whole messages,
// without decoding them unless asked, so the figure is the server's.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { StreamTicksRequestSchema, TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import type { Workload } from "../../src/simulator/index.ts";
import { rawSequencerClient } from "../../test/simulator/client.ts";
import { spawnSimulator } from "../../test/support/processes.ts";
import { cpuSeconds } from "./proc-stats.ts";
import { FIRST_TICK, nowMicros, simulatorArgs } from "./workload-ticks.ts";

export interface SimulatorCeiling {
  workload: Workload;
  decode: boolean;
  seconds: number;
  ticks: number;
  ticksPerSecond: number;
  megabytesPerSecond: number;
  /** CPU seconds of the simulator process per 100,000 ticks sent. */
  simulatorCpuPer100k: number;
  perSecond: number[];
}

/** `command` runs the simulator: e.g. ["bun", "src/main.ts"] or [bin/tick-ingester]. */
export async function measureSimulator(options: {
  workload: Workload;
  seconds: number;
  decode: boolean;
  command: string[];
}): Promise<SimulatorCeiling> {
  const server = await spawnSimulator(simulatorArgs(options.workload, nowMicros(), 0), { command: options.command });
  const client = rawSequencerClient(server.address) as unknown as grpc.Client & {
    streamTicks(request: Uint8Array): grpc.ClientReadableStream<Buffer>;
  };
  const call = client.streamTicks(toBinary(StreamTicksRequestSchema, create(StreamTicksRequestSchema, { startTick: FIRST_TICK })));

  let ticks = 0;
  let bytes = 0;
  call.on("data", (message: Buffer) => {
    ticks++;
    bytes += message.length;
    if (options.decode) fromBinary(TickSchema, message);
  });
  call.on("error", (error: grpc.ServiceError) => {
    if (error.code !== grpc.status.CANCELLED) throw error;
  });

  const perSecond: number[] = [];
  const cpuBefore = cpuSeconds(server.proc.pid);
  const started = performance.now();
  let previous = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      perSecond.push(ticks - previous);
      previous = ticks;
      if (perSecond.length === options.seconds) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(server.proc.pid) - cpuBefore;
  call.cancel();
  client.close();
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  return {
    workload: options.workload,
    decode: options.decode,
    seconds: elapsed,
    ticks,
    ticksPerSecond: ticks / elapsed,
    megabytesPerSecond: bytes / elapsed / 1e6,
    simulatorCpuPer100k: (cpu / ticks) * 100_000,
    perSecond,
  };
}
