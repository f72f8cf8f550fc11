// Where a Worker's time goes: the ticks of a workload built into batches as a Worker builds them
// (BatchBuilder) and committed one after another with commitBatch into a throwaway database, CPU
// and wall time per step. "COPY data (JS)" is what postgres.js does with the COPY data before the
// socket (framing each chunk as a CopyData message); "transaction without rows" is the same
// batch range committed with nothing to copy: the round trips of a batch. "statement:" lines split
// commitBatch's thread CPU by statement, from its sending to the next one's (its reply, and the
// work before the next statement), by the statement's first words.
//   bun bench/worker-cost.ts [--workload sparse|heavy] [--ticks N] [--batch 250] [--database-url URL]
import { parseArgs } from "node:util";
import postgres from "postgres";
import type { Workload } from "../src/simulator/index.ts";
import { encodeTick } from "../src/simulator/ticks.ts";
import { BatchBuilder, type Batch } from "../src/sink/batch.ts";
import { TICK_TABLES, tableData } from "../src/sink/tick-rows.ts";
import { commitBatch } from "../src/sink/timescale-writer.ts";
import { migratedDatabase } from "../test/support/database.ts";
import { startPostgres } from "../test/support/postgres.ts";
import { FIRST_TICK, nowMicros, workloadShape } from "./support/workload-ticks.ts";

interface Step {
  threadCpu: number;
  processCpu: number;
  wall: number;
}

const micros = (usage: { user: number; system: number }) => usage.user + usage.system;

const threadCpu = () => micros(process.threadCpuUsage());

/** Thread CPU per statement, while recording: from sending one (postgres.js's debug hook) to sending the next, or to lap(). */
class StatementClock {
  readonly cpu = new Map<string, number>();
  recording = false;
  private current: string | undefined;
  private since = 0;

  sent = (_connection: number, query: string) => {
    this.lap();
    if (this.recording) this.current = query.trim().split(/\s+/).slice(0, 3).join(" ");
  };

  lap() {
    const now = threadCpu();
    if (this.current !== undefined) this.cpu.set(this.current, (this.cpu.get(this.current) ?? 0) + now - this.since);
    this.current = undefined;
    this.since = now;
  }
}

/** Adds the CPU (this thread, and the whole process: GC and JIT helper threads too) and wall time `work` takes. */
async function timed(step: Step, work: () => unknown) {
  const thread = process.threadCpuUsage();
  const proc = process.cpuUsage();
  const started = performance.now();
  await work();
  step.wall += (performance.now() - started) * 1000;
  step.threadCpu += micros(process.threadCpuUsage(thread));
  step.processCpu += micros(process.cpuUsage(proc));
}

export async function measureWorkerCost(url: string, workload: Workload, ticks: number, batchSize = 250) {
  const shape = workloadShape(workload, nowMicros() - 3_600_000_000n);
  const messages = Array.from({ length: ticks }, (_, i) => encodeTick(shape, FIRST_TICK + BigInt(i)));
  const steps = ["build batch (rows)", "commitBatch", "transaction without rows", "COPY data (JS)"] as const;
  const result = Object.fromEntries(steps.map((s) => [s, { threadCpu: 0, processCpu: 0, wall: 0 }])) as Record<
    (typeof steps)[number],
    Step
  >;
  const clock = new StatementClock();
  const sql = postgres(url, { max: 1, onnotice: () => {}, debug: clock.sent });
  const hooks = { renew: () => sql, onRetry: (error: unknown) => console.error(error) };
  const stream = "bench";
  await sql`INSERT INTO ingest_leases (stream, epoch, holder) VALUES (${stream}, 1, 'bench')`;
  const builder = new BatchBuilder();
  try {
    for (let i = 0, id = 0; i < messages.length; i += batchSize, id++) {
      let batch: Batch | undefined;
      await timed(result["build batch (rows)"], () => {
        for (const raw of messages.slice(i, i + batchSize)) builder.addTick(raw);
        const last = FIRST_TICK + BigInt(Math.min(i + batchSize, messages.length) - 1);
        batch = builder.finish({
          batchId: id,
          first: (FIRST_TICK + BigInt(i)).toString(),
          last: last.toString(),
          gaps: [],
          chainBreaks: [],
        });
      });
      await timed(result["COPY data (JS)"], () => copyDataOnly(batch!));
      clock.recording = true;
      await timed(result.commitBatch, () => commitBatch(sql, stream, 1n, batch!, { hooks, attemptTimeoutMs: 60_000 }));
      clock.lap();
      clock.recording = false;
      // The same range again, with no rows, in a range of its own: a batch's round trips alone.
      const empty = { ...batch!, stored: [], first: batch!.first! + 10_000_000n, last: batch!.last! + 10_000_000n };
      await timed(result["transaction without rows"], () => commitBatch(sql, stream, 1n, empty, { hooks, attemptTimeoutMs: 60_000 }));
      builder.recycle(batch!);
    }
  } finally {
    await sql.end();
  }
  return {
    steps: Object.fromEntries(
      Object.entries(result).map(([name, s]) => [
        name,
        { threadCpu: s.threadCpu / ticks, processCpu: s.processCpu / ticks, wall: s.wall / ticks },
      ]),
    ),
    statements: Object.fromEntries([...clock.cpu].map(([statement, cpu]) => [statement, cpu / ticks])),
  };
}

/** What postgres.js (patched: copy-in.ts) does with a batch's COPY data before the socket, without a socket. */
function copyDataOnly(batch: Batch) {
  const ticks = batch.stored.map((s) => s.rows);
  let bytes = 0;
  for (const [i] of TICK_TABLES.entries()) {
    for (const piece of tableData(batch.tables, i, ticks)) bytes += Buffer.concat([FRAME, piece]).length; // b().d().raw(chunk).end()
  }
  return bytes;
}

const FRAME = Buffer.alloc(5);

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      workload: { type: "string", default: "sparse" },
      ticks: { type: "string" },
      batch: { type: "string", default: "250" },
      "database-url": { type: "string" },
    },
  });
  const workload = values.workload as Workload;
  const ticks = Number(values.ticks ?? (workload === "heavy" ? 5_000 : 50_000));
  const server = values["database-url"] ? undefined : await startPostgres();
  try {
    const url = await migratedDatabase(values["database-url"] ?? server!.url);
    const batchSize = Number(values.batch);
    const cost = await measureWorkerCost(url, workload, ticks, batchSize);
    console.log(`µs per ${workload} tick, ${ticks} ticks in batches of ${batchSize}: thread CPU / process CPU / wall`);
    for (const [name, s] of Object.entries(cost.steps))
      console.log(
        `${name.padEnd(34)} ${s.threadCpu.toFixed(2).padStart(7)} ${s.processCpu.toFixed(2).padStart(7)} ${s.wall.toFixed(2).padStart(7)}`,
      );
    for (const [statement, cpu] of Object.entries(cost.statements)) console.log(`  statement: ${statement.padEnd(40)} ${cpu.toFixed(2)}`);
  } finally {
    await server?.destroy();
  }
}
