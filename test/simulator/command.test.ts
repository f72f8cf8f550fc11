// `tick-ingester simulate` as a process, the way later tests and the demo run it.
import { expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { join } from "node:path";
import { startSimulator } from "../../src/simulator/index.ts";
import { spawnSimulator } from "../support/processes.ts";
import { TestClient, range, tickNumbers } from "./client.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const F = 51_548_050_841n;
const GENESIS = 1_768_028_416_704_159n;

test("the first stdout line gives the bound address; the process serves the same ticks as the library; SIGTERM stops it", async () => {
  const args = [
    "--rate",
    "0",
    "--first-tick",
    F.toString(),
    "--stop-at",
    (F + 99n).toString(),
    "--genesis-time",
    GENESIS.toString(),
    "--seed",
    "5",
    "--workload",
    "heavy",
    "--repeat",
    (F + 3n).toString(),
  ];
  const { proc, first, address, exited, output } = await spawnSimulator(args);
  expect(first.msg).toBe("listening");
  expect(first.address).toMatch(/^127\.0\.0\.1:\d+$/);
  // The README's log format, as every command logs: a level label, an ISO timestamp, the service.
  expect(first).toMatchObject({ level: "info", service: "simulator" });
  expect(first).not.toContainAnyKeys(["time", "hostname", "pid", "name"]);
  expect(first.address).not.toBe("127.0.0.1:0");

  const reference = await startSimulator({
    rate: 0,
    firstTick: F,
    genesisTime: GENESIS,
    seed: 5,
    txRatio: 1,
    txsPerTick: 10,
    payloadBytes: 256,
  });
  const client = new TestClient(address);
  const { messages } = await client.stream(F, { idleMs: 300 });
  expect(tickNumbers(messages)).toEqual([...range(F, F + 3n), ...range(F + 3n, F + 99n)]);
  expect(messages.filter((_, i) => i !== 4).every((bytes, i) => bytes.equals(reference.tickBytes(F + BigInt(i))))).toBe(true);
  await reference.stop();

  const open = client.stream(F + 99n, { idleMs: 5000 });
  await Bun.sleep(200);
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  const ended = await open;
  expect(ended.messages).toHaveLength(1);
  expect(ended.end).toMatchObject({ by: "server", code: grpc.status.UNAVAILABLE });
  client.close();
  await exited;
  expect(output()).toContain('"msg":"stopped"');
});

test("bad flags exit 2 naming each flag and value", async () => {
  const proc = Bun.spawn(["bun", main, "simulate", "--rate", "fast", "--invalid", `${F}:wrong`, "--hostile", "12"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect(code).toBe(2);
  expect(stderr).toContain('--rate="fast"');
  expect(stderr).toContain(`--invalid="${F}:wrong"`);
  expect(stderr).toContain("zero-tick, no-vdf, unsigned-tx");
  expect(stderr).toContain('--hostile="12"');
});

test("a port in use is reported, exit 1", async () => {
  const holder = await startSimulator({});
  const proc = Bun.spawn(["bun", main, "simulate", "--listen", holder.address], { stdout: "pipe", stderr: "pipe" });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  await holder.stop();
  expect(code).toBe(1);
  expect(stdout).toContain(`cannot listen on ${holder.address}`);
});
