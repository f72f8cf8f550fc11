// A Worker that cannot go on dies with its reason, not a bare "worker exited": here, one fenced
// out because another instance took over the stream.
import { expect, test } from "bun:test";
import { encodeJson, RecordType } from "../../src/pipeline/batch-protocol.ts";
import type { BatchEnd } from "../../src/sink/records.ts";
import { WorkerPool } from "../../src/pipeline/worker-pool.ts";
import { Lease } from "../../src/sink/lease.ts";
import { migratedDatabase } from "../support/database.ts";

test("a Worker fenced out by a newer epoch dies naming the takeover", async () => {
  const db = await migratedDatabase();
  const connection = { statementTimeoutMs: 10_000 };
  const signal = new AbortController().signal;
  const old = await Lease.acquire(db, connection, { stream: "s", holder: "old", signal, onStandby: () => {}, onLost: () => {} });
  await old.release();
  const current = await Lease.acquire(db, connection, { stream: "s", holder: "new", signal, onStandby: () => {}, onLost: () => {} });
  let died!: (reason: string) => void;
  const death = new Promise<string>((resolve) => (died = resolve));
  const pool = new WorkerPool(
    1,
    { kind: "timescale", databaseUrl: db, stream: "s", applicationName: "t", epoch: old.epoch.toString(), connection },
    { onCommit: () => {}, onLog: () => {}, onRetry: () => {}, onDeath: (_worker, reason) => died(reason) },
  );
  try {
    await pool.ready();
    const end: BatchEnd = { batchId: 1, first: "5", last: "5", gaps: [{ first: "5", last: "5", reason: "test" }], chainBreaks: [] };
    await pool.send(0, RecordType.End, encodeJson(end));
    const reason = await Promise.race([death, Bun.sleep(20_000).then(() => "no death within 20 s")]);
    expect(reason).toBe(`another instance took over stream s: epoch ${old.epoch} is no longer current`);
  } finally {
    await pool.stop(1_000);
    await current.release();
  }
}, 30_000);
