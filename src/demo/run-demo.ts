// The demo itself: PostgreSQL, schema, simulator, ingester, a live status line, then an orderly
// stop (the ingester first, so that it drains into a running database) and a summary.
import { appendFileSync, rmSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import pino from "pino";
import {
  freePort,
  isAlive,
  portIsFree,
  postmasterPid,
  startEmbeddedPostgres,
  type EmbeddedPostgresServer,
} from "../dev/embedded-postgres.ts";
import { startChild, type Child } from "./children.ts";
import { accountFor, checkpoint, connectDemo, databaseUrl, prepareDatabase, rowCounts, sampleTick, type Sql } from "./database.ts";
import { DEFAULT_DEMO_DIR, type DemoOptions } from "./options.ts";
import { CATCH_UP_LIMIT, DEMO_DATABASE, DEMO_PASSWORD, DEMO_STREAM, DemoState, FIRST_TICK, HISTORY_TICKS, RATE, SEED } from "./state.ts";
import { readMetrics, statusLine, count, type MetricsSample } from "./status.ts";
import { formatSummary } from "./summary.ts";
import { Terminal } from "./terminal.ts";

const STATUS_INTERVAL_MS = 1_000;
/** The children's log lines name their level (src/ops/logger.ts); pino's numbers order them. */
const LEVELS = pino.levels.values;
/** More than the ingester's SHUTDOWN_TIMEOUT (30 s by default) to drain and exit. */
const INGESTER_STOP_GRACE_MS = 45_000;
const SIMULATOR_STOP_GRACE_MS = 5_000;

export async function runDemo(options: DemoOptions, stopRequested: Promise<void>, out = new Terminal()): Promise<number> {
  if (options.reset) {
    rmSync(options.dir, { recursive: true, force: true });
    out.say(`Deleted ${shortPath(options.dir)}: starting over.`);
  }
  const state = new DemoState(options.dir);
  const shownDir = shortPath(state.dir);
  const server = await startPostgres(state);
  const url = databaseUrl(server.url, DEMO_DATABASE);
  out.say(`PostgreSQL started on 127.0.0.1:${server.port}, data in ${shownDir}/postgres${relocation(server)}`);
  let sql: Sql | undefined;
  try {
    out.say(`Schema: ${await prepareDatabase(server.url, DEMO_DATABASE, false)}`);
    sql = connectDemo(url);
    let resumeFrom = await checkpoint(sql, DEMO_STREAM);
    if (resumeFrom !== undefined && state.head() - resumeFrom > CATCH_UP_LIMIT) {
      out.say(
        `The chain moved ${count(state.head() - resumeFrom)} ticks past the last run's checkpoint ` +
          `(tick ${resumeFrom}) while the demo was stopped: ` +
          "more than an hour of ticks to catch up, so the demo starts over with a new chain and an empty database.",
      );
      await sql.end();
      state.newChain();
      await prepareDatabase(server.url, DEMO_DATABASE, true);
      sql = connectDemo(url);
      resumeFrom = undefined;
    }
    const before = await rowCounts(sql);
    out.say(
      resumeFrom === undefined
        ? `First run: the ingester starts at the head of the chain (tick ${state.head()}).`
        : `Resuming from tick ${resumeFrom}, the checkpoint of the last run: ` +
            `the chain is ${count(state.head() - resumeFrom)} ticks further now, which the ingester catches up.`,
    );
    const result = await runPipeline(state, url, options.duration, stopRequested, out);
    const summary = formatSummary({
      seconds: result.seconds,
      resumedFrom: resumeFrom,
      before,
      after: await rowCounts(sql),
      ...(await readBack(sql)),
      demoDir: shownDir,
      command: options.dir === DEFAULT_DEMO_DIR ? "bun run demo" : `bun run demo --dir ${shownDir}`,
      psqlUrl: url,
    });
    await sql.end();
    sql = undefined;
    await stopPostgres(server, out);
    out.say(summary);
    return result.ok ? 0 : 1;
  } finally {
    await sql?.end();
    await server.stop();
  }
}

/** As root, where the data really is when the postgres user cannot enter the demo's folder. */
function relocation(server: EmbeddedPostgresServer): string {
  return server.clusterDir === server.dataDir
    ? ""
    : ` (a link to ${server.clusterDir}: the postgres user, which runs PostgreSQL for root, cannot enter this folder)`;
}

/** Relative to the current folder when inside it: `.demo`, not /home/.../tick-ingester/.demo. */
function shortPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside === "" || inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

async function startPostgres(state: DemoState): Promise<EmbeddedPostgresServer> {
  const running = postmasterPid(state.postgresDir);
  if (running !== undefined && isAlive(running)) {
    throw new Error(
      `PostgreSQL of an earlier demo still runs (pid ${running}, data in ${state.postgresDir}); stop it with: kill -INT ${running}`,
    );
  }
  const saved = state.postgresPort;
  const port = saved !== undefined && (await portIsFree(saved)) ? saved : await freePort();
  state.postgresPort = port;
  return startEmbeddedPostgres({
    dataDir: state.postgresDir,
    port,
    password: DEMO_PASSWORD,
    onLog: (text) => appendFileSync(state.postgresLog, text),
  });
}

async function stopPostgres(server: EmbeddedPostgresServer, out: Terminal) {
  out.say("Stopping PostgreSQL.");
  await server.stop();
}

async function readBack(sql: Sql) {
  const end = await checkpoint(sql, DEMO_STREAM);
  if (end === undefined) return {};
  // The newest committed tick that carries transactions, else the newest committed tick.
  const [withTransactions] = await sql`
    SELECT tick_number::text FROM ticks WHERE tick_number < ${end.toString()}::numeric AND transaction_count > 0
    ORDER BY tick_number DESC LIMIT 1`;
  const sampled = withTransactions ? BigInt(withTransactions.tick_number) : end - 1n;
  return { accounting: await accountFor(sql, DEMO_STREAM, end), sample: await sampleTick(sql, sampled) };
}

function childEnvironment(overrides: Record<string, string>) {
  const { TICK_DEMO_SESSION: _, ...env } = process.env;
  return { ...env, ...overrides };
}

async function runPipeline(
  state: DemoState,
  url: string,
  durationMs: number | undefined,
  stopRequested: Promise<void>,
  out: Terminal,
): Promise<{ ok: boolean; seconds: number }> {
  const report = (who: string) => (line: string, fields: Record<string, unknown> | undefined) => {
    if (!fields) return out.say(`${who}: ${line}`);
    if (fields.msg === "Connected to the tick stream") {
      const at = fields.start_tick === "0" ? "its head" : `tick ${String(fields.start_tick)}`;
      return out.say(`Ingester connected to the tick stream, starting at ${at}.`);
    }
    const level = LEVELS[String(fields.level)] ?? LEVELS.info!;
    if (level >= LEVELS.warn!)
      out.say(
        `${who} ${level >= LEVELS.error! ? "error" : "warning"}: ${String(fields.msg)}${fields.reason ? `: ${String(fields.reason)}` : ""}`,
      );
  };

  const simulator = await startChild(
    "the simulator",
    [
      "simulate",
      "--listen",
      "127.0.0.1:0",
      "--rate",
      String(RATE),
      "--workload",
      "sparse",
      "--first-tick",
      FIRST_TICK.toString(),
      "--genesis-time",
      state.genesisTime.toString(),
      "--seed",
      String(SEED),
      "--history",
      String(HISTORY_TICKS),
      "--log-level",
      "warn",
    ],
    { cwd: state.dir, log: state.simulatorLog, env: childEnvironment({}), onLog: report("simulator") },
    (fields) => (fields.msg === "listening" ? String(fields.address) : undefined),
  );
  out.say(
    `Simulator serving the Continuum stream on ${simulator.value} (1,000 ticks/s, sparse workload); ` +
      `log in ${shortPath(state.simulatorLog)}`,
  );

  let ingester: { child: Child; value: number };
  try {
    ingester = await startChild(
      "the ingester",
      ["run"],
      {
        cwd: state.dir,
        log: state.ingesterLog,
        env: childEnvironment({
          CONTINUUM_GRPC_URL: simulator.value,
          DATABASE_URL: url,
          SERVICE_NAME: DEMO_STREAM,
          START_TICK: "0",
          OUTPUT_MODE: "timescale",
          HEALTH_CHECK_HOST: "127.0.0.1",
          HEALTH_CHECK_PORT: "0",
          ENV: "production",
          MIGRATE: "false",
        }),
        onLog: report("ingester"),
      },
      (fields) => (fields.msg === "Ingester started" ? Number(fields.health_port) : undefined),
    );
  } catch (error) {
    await simulator.child.stop(SIMULATOR_STOP_GRACE_MS);
    throw error;
  }
  const health = `http://127.0.0.1:${ingester.value}`;
  out.say(`Ingester running; log in ${shortPath(state.ingesterLog)}`);
  out.say(`  metrics: curl ${health}/metrics   readiness: curl ${health}/ready`);
  out.say(`  database (the demo's own password): psql ${url}`);
  out.say(durationMs === undefined ? "Press Ctrl+C to stop." : `Stopping in ${durationMs / 1000} s (or press Ctrl+C).`);

  const startedAt = Date.now();
  let previous: MetricsSample | undefined = {
    at: startedAt,
    committed: 0,
    buffered: 0,
    bufferCapacity: 0,
    rejects: 0,
    gapTicks: 0,
    retries: 0,
    reconnects: 0,
  };
  const sampler = setInterval(() => {
    readMetrics(`${health}/metrics`)
      .then((sample) => {
        out.setStatus(statusLine(sample, previous));
        previous = sample;
      })
      .catch(() => {});
  }, STATUS_INTERVAL_MS);

  const childExit = (name: string, child: Child) =>
    child.proc.exited.then((code) => ({ reason: `${name} exited by itself with status ${code}`, ok: false }));
  const timer =
    durationMs === undefined
      ? undefined
      : Bun.sleep(durationMs).then(() => ({ reason: `--duration ${durationMs / 1000}s is up`, ok: true }));
  const ending = await Promise.race([
    stopRequested.then(() => ({ reason: "Ctrl+C or a signal", ok: true })),
    ...(timer ? [timer] : []),
    childExit("the ingester", ingester.child),
    childExit("the simulator", simulator.child),
  ]);
  clearInterval(sampler);
  const seconds = (Date.now() - startedAt) / 1000;
  out.endStatus();
  out.say(`Stopping (${ending.reason}): SIGTERM to the ingester, which drains what it has read and commits it...`);
  const stoppingAt = Date.now();
  const ingesterStatus = await ingester.child.stop(INGESTER_STOP_GRACE_MS);
  out.say(
    ingesterStatus === null
      ? `The ingester did not stop in ${INGESTER_STOP_GRACE_MS / 1000} s and was killed; what it had not committed is read again next time.`
      : `Ingester stopped with status ${ingesterStatus} after ${((Date.now() - stoppingAt) / 1000).toFixed(1)} s.`,
  );
  out.say("Stopping the simulator.");
  await simulator.child.stop(SIMULATOR_STOP_GRACE_MS);
  return { ok: ending.ok && ingesterStatus === 0, seconds };
}
