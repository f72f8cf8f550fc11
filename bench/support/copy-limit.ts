// The physical limit the ingester is compared with: the same rows, into the same tables and
// indexes of a fresh migrated database on the same server, loaded by `psql \copy` from files
// written beforehand: no gRPC, no decoding, no batching. The files hold the simulator's ticks
// encoded by the ingester's own row encoder (tickRows) in binary COPY form, so the rows and their
// form are identical.
import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Workload } from "../../src/simulator/index.ts";
import { encodeTick } from "../../src/simulator/ticks.ts";
import { COPY_HEADER, COPY_TRAILER } from "../../src/sink/copy-binary.ts";
import { copyAll } from "../../src/sink/copy-in.ts";
import { newTickTables, TICK_TABLES, tickRows } from "../../src/sink/tick-rows.ts";
import { machineBusySeconds, treeCpuSeconds } from "./proc-stats.ts";
import { FIRST_TICK, workloadShape } from "./workload-ticks.ts";
import { openSql } from "../../test/support/processes.ts";

const TABLES = TICK_TABLES;
/** Rows gathered before they are written to the files. */
const FLUSH_BYTES = 1 << 20;

export interface CopyFiles {
  ticks: number;
  rows: number;
  bytes: number;
  /** One set of files per part (tick ranges of equal size): parts[i][table] is a file path. */
  parts: Array<Record<(typeof TABLES)[number]["table"], string>>;
  prepareSeconds: number;
}

/** Writes the binary COPY data of ticks FIRST_TICK .. FIRST_TICK+ticks-1, split in `parts` tick ranges. */
export async function prepareCopyFiles(
  workload: Workload,
  genesisMicros: bigint,
  ticks: number,
  parts: number,
  dir: string,
): Promise<CopyFiles> {
  const started = performance.now();
  mkdirSync(dir, { recursive: true });
  const shape = workloadShape(workload, genesisMicros);
  const files: CopyFiles["parts"] = [];
  let rows = 0;
  let bytes = 0;
  const perPart = Math.ceil(ticks / parts);
  for (let part = 0; part < parts; part++) {
    const paths = Object.fromEntries(
      TABLES.map(({ table }) => [table, join(dir, `${workload}-${part}-${table}.copy`)]),
    ) as CopyFiles["parts"][number];
    // A writer appends to what a file holds: an earlier run's longer file would leave data after the trailer.
    for (const { table } of TABLES) rmSync(paths[table], { force: true });
    const sinks = TABLES.map(({ table }) => Bun.file(paths[table]).writer({ highWaterMark: 1 << 20 }));
    const from = FIRST_TICK + BigInt(part * perPart);
    const to = FIRST_TICK + BigInt(Math.min(ticks, (part + 1) * perPart));
    const tables = newTickTables();
    const flush = () =>
      tables.forEach((t, i) => {
        sinks[i]!.write(t.bytes.slice(0, t.length));
        t.reset();
      });
    for (const sink of sinks) sink.write(COPY_HEADER);
    for (let n = from; n < to; n++) {
      rows += 2 + tickRows(encodeTick(shape, n), tables).transactionCount;
      if (tables[0].length + tables[1].length + tables[2].length >= FLUSH_BYTES) flush();
    }
    flush();
    for (const sink of sinks) {
      sink.write(COPY_TRAILER);
      await sink.end();
    }
    for (const { table } of TABLES) bytes += statSync(paths[table]).size;
    files.push(paths);
  }
  return { ticks, rows, bytes, parts: files, prepareSeconds: (performance.now() - started) / 1000 };
}

export interface CopyLoad {
  connections: number;
  method: "psql \\copy" | "postgres.js COPY";
  seconds: number;
  ticksPerSecond: number;
  rowsPerSecond: number;
  postgresCpuPer100k: number;
  /** Cores busy on average with anything but PostgreSQL (psql, and other work on the machine). */
  otherCores: number;
}

export const psqlPath = () => Bun.which("psql");

/**
 * Loads the files into the database with `connections` sessions at once, each one transaction
 * with the three tables in turn (as a batch of the ingester does). Times it from start to the
 * last commit.
 */
export async function loadCopyFiles(url: string, files: CopyFiles, connections: number, postmasterPid: number): Promise<CopyLoad> {
  const psql = psqlPath();
  const groups: Array<CopyFiles["parts"]> = Array.from({ length: connections }, () => []);
  files.parts.forEach((part, i) => groups[i % connections]!.push(part));
  const cpuBefore = treeCpuSeconds(postmasterPid);
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  await Promise.all(groups.map((group) => (psql ? loadWithPsql(psql, url, group) : loadWithPostgresJs(url, group))));
  const seconds = (performance.now() - started) / 1000;
  const postgresCpu = treeCpuSeconds(postmasterPid) - cpuBefore;
  const machineCpu = machineBusySeconds() - machineBefore;
  return {
    connections,
    method: psql ? "psql \\copy" : "postgres.js COPY",
    seconds,
    ticksPerSecond: files.ticks / seconds,
    rowsPerSecond: files.rows / seconds,
    postgresCpuPer100k: (postgresCpu / files.ticks) * 100_000,
    otherCores: Math.max(0, machineCpu - postgresCpu) / seconds,
  };
}

async function loadWithPsql(psql: string, url: string, parts: CopyFiles["parts"]) {
  const script = parts
    .flatMap((part) => TABLES.map(({ table, columns }) => `\\copy ${table} (${columns}) FROM '${part[table]}' WITH (FORMAT binary)`))
    .join("\n");
  const proc = Bun.spawn([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", url, "-f", "-"], {
    stdin: new Blob([script]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`psql \\copy failed (exit ${code}): ${stderr}`);
}

/** Without psql: each part's three files read whole and sent as one query of three COPYs. */
async function loadWithPostgresJs(url: string, parts: CopyFiles["parts"]) {
  const sql = openSql(url);
  try {
    await sql.begin(async (tx) => {
      for (const part of parts)
        await copyAll(
          tx,
          TABLES.map(({ table, columns }) => ({ table, columns, data: [readFileSync(part[table])], binary: true })),
        );
    });
  } finally {
    await sql.end();
  }
}
