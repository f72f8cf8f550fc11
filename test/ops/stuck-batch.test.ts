// A batch that cannot commit is seen: each failed attempt counts and logs as it happens (not when
// the batch finally commits, which may be never), the oldest uncommitted batch's age is a metric,
// and /health fails past BATCH_STUCK_AFTER from the ingester's own state alone.
import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { healthOf } from "../../src/cli/run.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { createMetrics } from "../../src/ops/metrics.ts";
import { observeIngester } from "../../src/ops/pipeline-observer.ts";
import type { CommitReport } from "../../src/sink/records.ts";
import type { IngesterStatus } from "../../src/pipeline/ingester-contract.ts";

function observed() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const metrics = createMetrics();
  const logger = createLogger({ env: "production", level: "info", serviceName: "t", destination });
  const observer = observeIngester({ logger, metrics, bufferCapacity: 100, summaryIntervalMs: 60_000, batchMessage: "Wrote batch" });
  const value = async (name: string) => Number((await metrics.registry.metrics()).match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1]);
  return { lines, metrics, observer, value };
}

const status = (over: Partial<IngesterStatus> = {}): IngesterStatus => ({
  streamConnected: true,
  workersAlive: true,
  ticksInFlight: 0,
  recordBytesInFlight: 0,
  ...over,
});

test("each failed attempt is counted and logged with the batch's range and the error as it happens", async () => {
  const { lines, observer, value } = observed();
  for (const attempt of [1, 2]) {
    observer.events.retried({
      type: "retry",
      batchId: 4,
      first: "1000",
      last: "1249",
      attempt,
      delayMs: 100 * attempt,
      error: "index row size 24016 exceeds btree maximum",
    });
  }
  expect(await value("tick_ingester_write_retries_total")).toBe(2);
  const warned = lines.filter((l) => l.msg === "Batch write failed (will retry)");
  expect(warned.map((l) => [l.first_tick, l.last_tick, l.attempt, l.err])).toEqual([
    ["1000", "1249", 1, "index row size 24016 exceeds btree maximum"],
    ["1000", "1249", 2, "index row size 24016 exceeds btree maximum"],
  ]);
  // The commit that follows does not count them again.
  const committed: CommitReport = {
    type: "committed",
    batchId: 4,
    first: "1000",
    last: "1249",
    ticks: 250,
    rejects: {},
    gapTicks: 0,
    chainBreaks: 0,
    rows: { ticks: 250, vdf_proofs: 250, tick_transactions: 0 },
    writeSeconds: 0.1,
    retries: 2,
  };
  observer.events.committed(committed);
  expect(await value("tick_ingester_write_retries_total")).toBe(2);
});

test("the oldest uncommitted batch's age is a gauge, 0 when none waits", async () => {
  const { observer, value } = observed();
  observer.sample(status({ ticksInFlight: 250, oldestUncommittedBatchSinceMs: Date.now() - 90_000 }));
  expect(await value("tick_ingester_oldest_uncommitted_batch_seconds")).toBeGreaterThanOrEqual(90);
  observer.sample(status());
  expect(await value("tick_ingester_oldest_uncommitted_batch_seconds")).toBe(0);
});

test("/health fails once a batch has waited longer than BATCH_STUCK_AFTER, whatever the database probe last said", () => {
  const now = 1_000_000_000;
  expect(healthOf(status({ ticksInFlight: 250, oldestUncommittedBatchSinceMs: now - 119_000 }), 120_000, now)).toEqual({ ok: true });
  expect(healthOf(status({ ticksInFlight: 250, oldestUncommittedBatchSinceMs: now - 121_000 }), 120_000, now)).toEqual({
    ok: false,
    reasons: ["a batch has waited 121s for its commit (BATCH_STUCK_AFTER 120s)"],
  });
  expect(healthOf(status({ workersAlive: false }), 120_000, now)).toEqual({ ok: false, reasons: ["a pipeline worker has died"] });
});
