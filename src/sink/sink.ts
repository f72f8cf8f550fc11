// The sink's entry: `openSink(spec)` gives a writer that commits one batch at a time and reports
// each committed range; it renews its database connection itself when a commit gets stuck.
import { errorMessage } from "../common/errors.ts";
import type { Batch } from "./batch.ts";
import { formatTicks } from "./console-writer.ts";
import { connect } from "./database.ts";
import type { CommitReport, RetryReport, SinkSpec } from "./records.ts";
import { commitBatch } from "./timescale-writer.ts";

export interface Sink {
  /** Commits the batch; one report per committed range (a batch that had to be split commits in several). */
  write(batch: Batch): Promise<CommitReport[]>;
  close(): Promise<void>;
}

function report(batch: Batch, startedAt: number, retries: number, output?: string): CommitReport {
  const rejects: Record<string, number> = {};
  for (const r of batch.rejected) rejects[r.code] = (rejects[r.code] ?? 0) + 1;
  let newest: bigint | undefined;
  let transactions = 0;
  for (const s of batch.stored) {
    if (newest === undefined || s.rows.timestampMicros > newest) newest = s.rows.timestampMicros;
    transactions += s.rows.transactionCount;
  }
  return {
    type: "committed",
    batchId: batch.batchId,
    first: batch.first?.toString(),
    last: batch.last?.toString(),
    ticks: batch.stored.length,
    rejects,
    gapTicks: batch.gaps.reduce((sum, g) => sum + Number(g.last - g.first + 1n), 0),
    chainBreaks: batch.chainBreaks.length,
    rows: { ticks: batch.stored.length, vdf_proofs: batch.stored.length, tick_transactions: transactions },
    newestTimestampMicros: newest?.toString(),
    writeSeconds: (performance.now() - startedAt) / 1000,
    retries,
    output,
  };
}

/** `onRetry` hears of every failed attempt as it happens (the batch is tried again after a backoff). */
export function openSink(spec: SinkSpec, onRetry: (report: RetryReport) => void = () => {}): Sink {
  if (spec.kind === "console") {
    return {
      async write(batch) {
        return [
          report(
            batch,
            performance.now(),
            0,
            formatTicks(
              spec.format,
              batch.stored.map((s) => s.tick!),
            ),
          ),
        ];
      },
      async close() {},
    };
  }
  const epoch = BigInt(spec.epoch);
  const open = () => connect(spec.databaseUrl, "writer", spec.connection, spec.applicationName);
  let sql = open();
  return {
    async write(batch) {
      const startedAt = performance.now();
      const committed = await commitBatch(sql, spec.stream, epoch, batch, {
        // A batch transaction runs a handful of statements, each within the statement timeout.
        attemptTimeoutMs: 2 * spec.connection.statementTimeoutMs,
        hooks: {
          renew: () => {
            void sql.end({ timeout: 0 });
            sql = open();
            return sql;
          },
          onRetry: (error, attempt, delayMs, failed) =>
            onRetry({
              type: "retry",
              batchId: failed.batchId,
              first: failed.first?.toString(),
              last: failed.last?.toString(),
              attempt,
              delayMs,
              error: errorMessage(error),
            }),
        },
      });
      return committed.map((c) => report(c.batch, startedAt, c.retries));
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
