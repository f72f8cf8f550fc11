// Two ingesters with the same configuration against one database: one writes, the other stands by
// and takes over when the writer dies. The database's advisory lock is the arbiter.
import { afterEach, expect, test } from "bun:test";
import { BatchBuilder } from "../../src/sink/batch.ts";
import { FencedOut, Lease } from "../../src/sink/lease.ts";
import { writeBatch } from "../../src/sink/timescale-writer.ts";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { openSql, spawnIngester, waitForCheckpoint, waitUntilStarted, type IngesterProcess } from "../support/processes.ts";
import { freePort } from "../support/postgres.ts";
import { verifyTicks } from "../support/verify.ts";

const FIRST = 51_548_050_841n;
const STREAM = "ha-stream";
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function readyOf(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
  return response ? { code: response.status, body: (await response.json()) as { status: string } } : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("a standby waits, says so on /ready, and takes over from the checkpoint when the writer dies", async () => {
  const count = 40_000;
  const db = await migratedDatabase();
  const sim = await startSimulator(
    simulatorDefaults({ rate: 4000, firstTick: FIRST, stopAt: FIRST + BigInt(count) - 1n, seed: 3, genesisTime: 1_768_028_416_704_159n }),
  );
  cleanup.push(() => sim.stop());
  const start = async (): Promise<[IngesterProcess, number]> => {
    const port = await freePort();
    const proc = spawnIngester({
      CONTINUUM_GRPC_URL: sim.address,
      DATABASE_URL: db,
      SERVICE_NAME: STREAM,
      START_TICK: FIRST.toString(),
      WORKER_COUNT: "2",
      HEALTH_CHECK_PORT: String(port),
      HEALTH_CHECK_HOST: "127.0.0.1",
    });
    cleanup.push(async () => {
      proc.proc.kill("SIGKILL");
      await proc.exited;
    });
    return [proc, port];
  };

  const [writer] = await start();
  await waitForCheckpoint(db, STREAM, FIRST + 2000n, 30_000, writer);
  const [standby, standbyPort] = await start();
  const standing = await until(
    "the standby's /ready",
    async () => {
      const ready = await readyOf(standbyPort);
      return ready?.body.status === "standby" ? ready : undefined;
    },
    15_000,
  );
  expect(standing.code).toBe(503);

  writer.proc.kill("SIGKILL");
  await writer.exited;
  const killedAt = Date.now();
  await waitUntilStarted(standby, 15_000); // the standby took over
  expect(Date.now() - killedAt).toBeLessThan(5_000);

  await waitForCheckpoint(db, STREAM, FIRST + BigInt(count), 60_000, standby);
  standby.proc.kill("SIGTERM");
  expect(await standby.exited).toBe(0);
  const sql = openSql(db);
  try {
    const verdict = await verifyTicks(sql, (n) => sim.tick(n), FIRST, FIRST + BigInt(count) - 1n);
    expect(verdict).toMatchObject({ stored: count, lost: [], duplicated: [], mismatched: [] });
  } finally {
    await sql.end();
  }
}, 120_000);

test("a writer whose epoch was superseded cannot commit a batch", async () => {
  const db = await migratedDatabase();
  const signal = new AbortController().signal;
  const first = await Lease.acquire(
    db,
    { statementTimeoutMs: 10_000 },
    { stream: STREAM, holder: "first", signal, onStandby: () => {}, onLost: () => {} },
  );
  await first.release();
  const second = await Lease.acquire(
    db,
    { statementTimeoutMs: 10_000 },
    { stream: STREAM, holder: "second", signal, onStandby: () => {}, onLost: () => {} },
  );
  cleanup.push(() => second.release());
  expect(second.epoch).toBe(first.epoch + 1n);

  const sql = openSql(db);
  cleanup.push(() => sql.end());
  const batch = new BatchBuilder().finish({
    batchId: 1,
    first: "10",
    last: "10",
    gaps: [{ first: "10", last: "10", reason: "test" }],
    chainBreaks: [],
  });
  await expect(writeBatch(sql, STREAM, first.epoch, batch)).rejects.toThrow(FencedOut);
  await writeBatch(sql, STREAM, second.epoch, batch);
  const [row] = await sql`SELECT count(*)::int AS n FROM tick_gaps WHERE stream = ${STREAM}`;
  expect(row!.n).toBe(1);
}, 30_000);
