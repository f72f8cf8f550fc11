// Clients that share nothing with the project but the .proto (@grpc/proto-loader, i.e. protobufjs)
// read the simulator's stream and see the same values the project's decoding sees, under Node
// (whose HTTP/2 differs from Bun's) and under Bun, large messages included.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { toJson } from "@bufbuild/protobuf";
import { join } from "node:path";
import { TickSchema } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { WORKLOADS } from "../../src/simulator/workloads.ts";
import { range } from "./client.ts";

const F = 51_548_050_841n;
const COUNT = 40;
const script = join(import.meta.dir, "foreign-client.mjs");
let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({
    rate: 0,
    firstTick: F,
    ...WORKLOADS.heavy,
    faults: {
      hostile: [
        { tick: F + 1n, kind: "tabs" },
        { tick: F + 2n, kind: "nul" },
        { tick: F + 3n, kind: "big-nonce" },
        { tick: F + 4n, kind: "max-nonce" },
        { tick: F + 5n, kind: "big-payload" },
      ],
    },
  });
});

afterAll(async () => {
  await simulator.stop();
});

/** The project's decoding in the form proto-loader gives: uint64 as decimal strings, bytes as base64. */
const expected = (n: bigint) => toJson(TickSchema, simulator.tick(n), { alwaysEmitImplicit: true });

async function readWith(runtime: string) {
  const proc = Bun.spawn([runtime, script, simulator.address, F.toString(), String(COUNT)], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

for (const runtime of ["node", "bun"]) {
  test(`a ${runtime} client built with @grpc/proto-loader reads the same ticks, 4 MiB one included`, async () => {
    const lines = await readWith(runtime);
    const ticks = lines.filter((line) => "tick" in line).map((line) => line.tick);
    expect(ticks.map((tick) => tick.tickNumber)).toEqual(range(F, F + BigInt(COUNT - 1)).map(String));
    ticks.forEach((tick, i) => expect(tick).toEqual(expected(F + BigInt(i))));
    expect(ticks[4].transactions[0].transaction.nonce).toBe("18446744073709551615");
    expect(ticks[3].transactions[0].transaction.nonce).toBe("9007199254740993");
    expect(Buffer.from(ticks[5].transactions[0].transaction.payload, "base64")).toHaveLength(4 * 1024 * 1024);
    expect(lines.at(-1)).toEqual({ getTick: { tick: expected(F), found: true } });
  });
}
