// The benchmark's yardstick: a straightforward ingester, as one would write it in an afternoon.
// One StreamTicks call decoded by protobufjs (through @grpc/proto-loader), batches of 250 ticks or
// 100 ms, each batch one transaction of three text COPYs, at most 4 batches in flight on 4
// connections. No exactly-once, no validation, no resume. It serves the two counters the benchmark
// scrapes (the names tick-ingester uses) on HEALTH_CHECK_PORT, so both run under the same harness.
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { join } from "node:path";
import postgres from "postgres";
import { copyBytea, copyRow, copyText, copyTimestamp } from "../src/sink/copy-text.ts";
import { TICK_COLUMNS, TRANSACTION_COLUMNS, VDF_PROOF_COLUMNS } from "../src/sink/tick-rows.ts";

const BATCH_TICKS = 250;
const BATCH_MS = 100;
const IN_FLIGHT = 4;

interface Wire {
  tick_number: string;
  timestamp: string;
  previous_output: string;
  transaction_batch_hash: string;
  vdf_proof: { input: string; output: string; proof: string; iterations: string };
  transactions: Array<{
    sequence_number: string;
    tx_hash: string;
    ingestion_timestamp: string;
    transaction: { tx_id: string; payload: Buffer; signature: Buffer; public_key: Buffer; nonce: string; timestamp: string };
  }>;
}

const env = (name: string) =>
  process.env[name] ??
  (() => {
    throw new Error(`${name} is not set`);
  })();
const definition = loadSync(join(import.meta.dir, "../proto/continuum/sequencer/v1/sequencer.proto"), {
  keepCase: true,
  longs: String,
  defaults: true,
});
// biome-ignore lint/suspicious/noExplicitAny: a package definition loaded at run time has no static type
const { SequencerService } = (grpc.loadPackageDefinition(definition) as any).continuum.sequencer.v1;
const client = new SequencerService(env("CONTINUUM_GRPC_URL"), grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
});
const sql = postgres(env("DATABASE_URL"), { max: IN_FLIGHT, onnotice: () => {} });

let committedTicks = 0;
const committedRows = { ticks: 0, vdf_proofs: 0, tick_transactions: 0 };
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.HEALTH_CHECK_PORT ?? 0),
  fetch: () =>
    new Response(
      `tick_ingester_ticks_total{status="success"} ${committedTicks}\n` +
        Object.entries(committedRows)
          .map(([table, n]) => `tick_ingester_rows_total{table="${table}"} ${n}\n`)
          .join(""),
    ),
});

let batch = { ticks: "", proofs: "", transactions: "", count: 0, transactionCount: 0 };
let inFlight = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
const call = client.StreamTicks({ start_tick: env("START_TICK") });

function add(tick: Wire) {
  const time = copyTimestamp(BigInt(tick.timestamp));
  const head = [tick.tick_number, time];
  const p = tick.vdf_proof;
  batch.ticks += copyRow([
    ...head,
    copyText(tick.transaction_batch_hash),
    copyText(tick.previous_output),
    String(tick.transactions.length),
  ]);
  batch.proofs += copyRow([...head, p.input, p.output, p.proof, p.iterations]);
  for (const t of tick.transactions) {
    const tx = t.transaction;
    batch.transactions += copyRow([
      ...head,
      t.sequence_number,
      copyText(t.tx_hash),
      copyText(tx.tx_id),
      copyBytea(tx.payload),
      copyBytea(tx.signature),
      copyBytea(tx.public_key),
      tx.nonce,
      tx.timestamp,
      t.ingestion_timestamp,
    ]);
  }
  batch.count++;
  batch.transactionCount += tick.transactions.length;
  if (batch.count >= BATCH_TICKS) flush();
  else timer ??= setTimeout(flush, BATCH_MS);
}

function flush() {
  clearTimeout(timer);
  timer = undefined;
  if (batch.count === 0) return;
  const full = batch;
  batch = { ticks: "", proofs: "", transactions: "", count: 0, transactionCount: 0 };
  if (++inFlight >= IN_FLIGHT) call.pause();
  void write(full).then(() => {
    committedTicks += full.count;
    committedRows.ticks += full.count;
    committedRows.vdf_proofs += full.count;
    committedRows.tick_transactions += full.transactionCount;
    if (inFlight-- === IN_FLIGHT) call.resume();
  });
}

async function write(full: typeof batch) {
  await sql.begin(async (tx) => {
    for (const [table, columns, rows] of [
      ["ticks", TICK_COLUMNS, full.ticks],
      ["vdf_proofs", VDF_PROOF_COLUMNS, full.proofs],
      ["tick_transactions", TRANSACTION_COLUMNS, full.transactions],
    ] as const) {
      if (!rows) continue;
      const stream = await tx.unsafe(`COPY ${table} (${columns}) FROM STDIN`).writable();
      await new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.end(rows, () => resolve());
      });
    }
  });
}

call.on("data", add);
call.on("error", (error: Error) => {
  if (!stopping) console.error(`StreamTicks failed: ${error.message}`);
});
let stopping = false;
process.on("SIGTERM", async () => {
  stopping = true;
  call.cancel();
  flush();
  while (inFlight > 0) await Bun.sleep(10);
  await sql.end();
  process.exit(0);
});
