// The Continuum connection over TLS, with a self-signed CA named by GRPC_CA_FILE.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { simulatorDefaults, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { FIRST, PipelineParts } from "../support/pipeline.ts";
import { spawnIngester, waitForCheckpoint } from "../support/processes.ts";

const fixtures = join(import.meta.dir, "../fixtures/tls");
const parts = new PipelineParts();
afterEach(() => parts.stopAll());

async function tlsSimulator(count: number): Promise<Simulator> {
  const sim = await startSimulator(
    simulatorDefaults({
      rate: 0,
      firstTick: FIRST,
      stopAt: FIRST + BigInt(count) - 1n,
      listen: "localhost:0",
      tls: { certChain: readFileSync(join(fixtures, "server.pem")), privateKey: readFileSync(join(fixtures, "server.key")) },
    }),
  );
  parts.add(() => sim.stop());
  return sim;
}

test("--grpc-tls with the CA file reads the stream over TLS", async () => {
  const sim = await tlsSimulator(2_000);
  const db = await migratedDatabase();
  const proc = parts.ingester(sim, db, {
    SERVICE_NAME: "tls",
    WORKER_COUNT: "1",
    GRPC_TLS: "true",
    GRPC_CA_FILE: join(fixtures, "ca.pem"),
  });
  await waitForCheckpoint(db, "tls", FIRST + 2000n, 30_000, proc);
  proc.proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
});

test("a server certificate the CA did not sign is refused, and the reason is logged", async () => {
  const sim = await tlsSimulator(10);
  const db = await migratedDatabase();
  const proc = parts.ingester(sim, db, { SERVICE_NAME: "tls", WORKER_COUNT: "1", GRPC_TLS: "true" });
  const deadline = Date.now() + 15_000;
  while (!proc.output().includes("Stream error (will reconnect)") && Date.now() < deadline) await Bun.sleep(100);
  expect(proc.output()).toMatch(/Stream error \(will reconnect\)[\s\S]*unable to verify the first certificate/);
});

test("sslmode in DATABASE_URL is honoured: require against a server without SSL fails clearly", async () => {
  const sim = await startSimulator(simulatorDefaults({ rate: 0, firstTick: FIRST, stopAt: FIRST }));
  parts.add(() => sim.stop());
  const db = await migratedDatabase();
  const proc = spawnIngester({ CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: `${db}?sslmode=require`, ENV: "production" });
  expect(await proc.exited).toBe(1);
  const failure = proc
    .output()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .find((l) => l.msg === "Failed to start");
  expect(failure.reason).toMatch(/SSL/i);
  expect(failure.reason).not.toContain("test-password");
});
