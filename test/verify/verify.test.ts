// `tick-ingester verify` as a user runs it (a process), on a database the ingester filled from
// the simulator: clean, then tampered with (a changed row, a deleted proof, tick and transaction,
// a second copy of a tick, a gap over a tick the sequencer serves), repaired, and repaired while
// an ingester writes the same stream. On plain PostgreSQL and on TimescaleDB (compressed chunks).
import { afterEach, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { migrate } from "../../src/schema/migrate.ts";
import { simulatorDefaults, startSimulator, type Simulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { cli, query, spawnIngester, waitForCheckpoint, waitUntilStarted, type IngesterProcess } from "../support/processes.ts";
import { startTimescale } from "../support/timescale.ts";
import { AboveCheckpoint, repairTicks } from "../../src/verify/repair.ts";
import { servedOf } from "../../src/verify/served.ts";
import { readStored } from "../../src/verify/stored.ts";
import { verifyTicks } from "../support/verify.ts";

const FIRST = 51_548_050_841n;
const STREAM = "verify-test";
const at = (offset: number) => FIRST + BigInt(offset);

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

interface Backend {
  name: string;
  /** A migrated database; on TimescaleDB the simulated chain starts 2 days ago, so its chunk can be compressed. */
  database(): Promise<string>;
  daysAgo: number;
  /** Compresses the chunks older than a day (TimescaleDB); nothing on PostgreSQL. */
  settle(url: string): Promise<void>;
}

const backends: Backend[] = [
  { name: "PostgreSQL", database: () => migratedDatabase(), daysAgo: 0, settle: async () => {} },
  {
    name: "TimescaleDB",
    async database() {
      const server = await startTimescale();
      cleanup.push(() => server.stop());
      await query(server.url, (sql) => migrate(sql, { compressAfter: "1 day", retainFor: "3650 days" }));
      return server.url;
    },
    daysAgo: 2,
    async settle(url) {
      await query(url, async (sql) => {
        for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
          const chunks =
            await sql`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks(${table}::regclass, older_than => interval '1 day') c`;
          expect(chunks.length).toBeGreaterThan(0);
        }
      });
    },
  },
];

async function simulator(backend: Backend, count: number, rate = 0, history = 100_000): Promise<Simulator> {
  const sim = await startSimulator(
    simulatorDefaults({
      rate,
      history,
      firstTick: FIRST,
      stopAt: at(count - 1),
      txRatio: 0.2,
      txsPerTick: 2,
      seed: 11,
      genesisTime: BigInt(Date.now() - backend.daysAgo * 86_400_000) * 1000n,
      faults: {
        hostile: [
          { tick: at(5), kind: "tabs" },
          { tick: at(6), kind: "max-nonce" },
          { tick: at(7), kind: "nul" },
          { tick: at(9), kind: "broken-chain" },
        ],
        invalid: [{ tick: at(30), kind: "no-vdf" }],
        // verify reads the stream, and fetches with GetTick what it leaves out or garbles.
        garbage: [at(40)],
        omit: [at(50), at(51)],
      },
    }),
  );
  cleanup.push(() => sim.stop());
  return sim;
}

function ingester(sim: Simulator, url: string): IngesterProcess {
  const proc = spawnIngester({
    CONTINUUM_GRPC_URL: sim.address,
    DATABASE_URL: url,
    SERVICE_NAME: STREAM,
    START_TICK: FIRST.toString(),
    WORKER_COUNT: "2",
    BATCH_SIZE: "100",
  });
  cleanup.push(async () => {
    proc.proc.kill("SIGKILL");
    await proc.exited;
  });
  return proc;
}

async function ingested(backend: Backend, count: number, history?: number) {
  const url = await backend.database();
  const sim = await simulator(backend, count, 0, history);
  const proc = ingester(sim, url);
  await waitForCheckpoint(url, STREAM, at(count), 90_000, proc);
  await waitUntilStarted(proc);
  proc.proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  await backend.settle(url);
  return { url, sim };
}

const verify = (sim: Simulator, url: string, args: string[] = []) =>
  cli(["verify", ...args], { CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: url, SERVICE_NAME: STREAM });

/** Tick number → the problem kinds a report names for it. */
function named(stdout: string): Record<string, string[]> {
  const kinds: Record<string, string[]> = {};
  for (const [, tick, kind] of stdout.matchAll(/^tick (\d+): ([a-z_]+):/gm))
    (kinds[tick!] ??= []).includes(kind!) || kinds[tick!]!.push(kind!);
  return kinds;
}

/** A tick of the simulated chain that carries transactions, at or after `offset`. */
function withTransactions(sim: Simulator, offset: number): bigint {
  for (let n = at(offset); ; n++) if (sim.tick(n).transactions.length > 0) return n;
}

async function tamper(url: string, sim: Simulator) {
  const changed = at(100);
  const noProof = at(200);
  const deleted = at(300);
  const txTick = withTransactions(sim, 400);
  const doubled = at(500);
  const gapped = at(600);
  const forged = at(700);
  const extra = withTransactions(sim, 800);
  await query(url, async (sql) => {
    const n = (t: bigint) => t.toString();
    await sql`UPDATE ticks SET batch_hash = 'tampered' WHERE tick_number = ${n(changed)}::numeric`;
    await sql`DELETE FROM vdf_proofs WHERE tick_number = ${n(noProof)}::numeric`;
    for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
      await sql.unsafe(`DELETE FROM ${table} WHERE tick_number IN ($1::numeric, $2::numeric)`, [n(deleted), n(gapped)]);
    }
    await sql`DELETE FROM tick_transactions WHERE tick_number = ${n(txTick)}::numeric AND sequence_number = (
                SELECT max(sequence_number) FROM tick_transactions WHERE tick_number = ${n(txTick)}::numeric)`;
    await sql`INSERT INTO ticks SELECT tick_number, "timestamp" + interval '1 microsecond', batch_hash, previous_output, transaction_count, ingested_at
              FROM ticks WHERE tick_number = ${n(doubled)}::numeric`;
    await sql`INSERT INTO tick_gaps (stream, first_tick, last_tick, reason) VALUES (${STREAM}, ${n(gapped - 2n)}::numeric, ${n(gapped + 2n)}::numeric, 'planted by the test')`;
    // A forged VDF output breaks the chain to the next tick; the real break loses its record.
    await sql`UPDATE vdf_proofs SET output = 'forged' WHERE tick_number = ${n(forged)}::numeric`;
    await sql`DELETE FROM chain_breaks WHERE tick_number = ${n(at(9))}::numeric`;
    await sql`INSERT INTO tick_transactions SELECT tick_number, tick_timestamp, 99, tx_hash, tx_id, payload, signature, public_key, nonce, client_timestamp, ingestion_timestamp
              FROM tick_transactions WHERE tick_number = ${n(extra)}::numeric AND sequence_number = 0`;
  });
  return { changed, noProof, deleted, txTick, doubled, gapped, forged, extra };
}

/** verify's reads of a window, on compressed chunks: each filters the compressed batches by their
 * min/max tick_number (so only the batches in range are decompressed), none reads a whole chunk. */
async function expectBatchFilteredReads(url: string) {
  const queries: Array<{ text: string; params: unknown[] }> = [];
  const sql = postgres(url, { max: 1, onnotice: () => {}, debug: (_c, text, params) => void queries.push({ text, params }) });
  try {
    await readStored(sql, STREAM, at(1000), at(1999));
    const tickTables = queries.filter((q) => /FROM (ticks|vdf_proofs|tick_transactions) WHERE/.test(q.text));
    expect(tickTables.length).toBe(3);
    for (const q of tickTables) {
      const plan = (await sql.unsafe(`EXPLAIN ${q.text}`, q.params as never[])).map((r) => r["QUERY PLAN"]).join("\n");
      expect({ query: q.text, plan }).toEqual({ query: q.text, plan: expect.stringContaining("_ts_meta_v2_first_tick_number <=") });
    }
  } finally {
    await sql.end();
  }
}

for (const backend of backends) {
  describe(`verify on ${backend.name}`, () => {
    test("an intact range exits 0; after tampering it exits 1 naming each tick; --repair exits 0, and then verify does too", async () => {
      const count = 3_000;
      const { url, sim } = await ingested(backend, count);

      const clean = await verify(sim, url);
      expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining("tick-ingester verify:") });
      expect(clean.stdout).toContain(`verify ${FIRST}-${at(count - 1)}: 3,000 ticks checked`);
      expect(clean.stdout).toContain("2,997 stored as served, 3 rejected, 0 in gaps");
      expect(clean.stdout).toContain("no problems");

      if (backend.name === "TimescaleDB") await expectBatchFilteredReads(url);

      const t = await tamper(url, sim);
      const found = await verify(sim, url);
      expect(found.code).toBe(1);
      expect(named(found.stdout)).toEqual({
        [t.changed.toString()]: ["mismatch"],
        [t.noProof.toString()]: ["half_written"],
        [t.deleted.toString()]: ["missing"],
        [t.txTick.toString()]: ["half_written"],
        [t.doubled.toString()]: ["duplicated"],
        [t.gapped.toString()]: ["gap_filled"],
        // The gap planted over the deleted tick covers stored ticks too.
        [(t.gapped - 2n).toString()]: ["duplicated"],
        [(t.gapped - 1n).toString()]: ["duplicated"],
        [(t.gapped + 1n).toString()]: ["duplicated"],
        [(t.gapped + 2n).toString()]: ["duplicated"],
        [t.forged.toString()]: ["mismatch"],
        [(t.forged + 1n).toString()]: ["chain"],
        [at(9).toString()]: ["chain"],
        [t.extra.toString()]: ["extra_row"],
      });
      const byGetTick = await verify(sim, url, ["--get-tick-only"]);
      expect({ code: byGetTick.code, problems: named(byGetTick.stdout) }).toEqual({ code: 1, problems: named(found.stdout) });
      expect(found.stdout).toContain(
        `tick ${t.changed}: mismatch: ticks.batch_hash differs: stored "tampered", served "${sim.tick(t.changed).transactionBatchHash.slice(0, 10)}…`,
      );
      const json = await verify(sim, url, ["--output", "json"]);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({ first: FIRST.toString(), last: at(count - 1).toString(), checked: count });
      expect(new Set(report.problems.map((p: { tick: string }) => p.tick)).size).toBe(14);
      expect(report.problems).toContainEqual(
        expect.objectContaining({
          tick: t.forged.toString(),
          kind: "mismatch",
          column: "vdf_proofs.output",
          stored: "forged",
          served: sim.tick(t.forged).vdfProof!.output,
        }),
      );

      const repaired = await verify(sim, url, ["--repair"]);
      expect({ code: repaired.code, stderr: repaired.stderr }).toEqual({
        code: 0,
        stderr: expect.not.stringContaining("tick-ingester verify:"),
      });
      expect(repaired.stdout).toContain("14 ticks repaired, 0 left as they are");
      const again = await verify(sim, url);
      expect({ code: again.code, out: again.stdout }).toEqual({
        code: 0,
        out: expect.stringContaining("2,997 stored as served, 3 rejected, 0 in gaps"),
      });
      const verdict = await query(url, (sql) => verifyTicks(sql, (n) => sim.tick(n), FIRST, at(count - 1)));
      expect(verdict).toMatchObject({ lost: [], duplicated: [], mismatched: [], stored: count - 3, rejected: 3, gaps: 0 });
      const gaps = await query(url, (sql) => sql`SELECT first_tick::text AS f, last_tick::text AS l FROM tick_gaps ORDER BY 1`);
      expect(gaps.map((g) => ({ ...g }))).toEqual([]);
      const breaks = await query(url, (sql) => sql`SELECT tick_number::text AS n, previous_output FROM chain_breaks`);
      expect(breaks.map((b) => ({ ...b }))).toEqual([{ n: at(9).toString(), previous_output: sim.tick(at(9)).previousOutput }]);
    }, 240_000);

    test("--repair beside a running ingester of the same stream loses and duplicates nothing", async () => {
      const count = 16_000;
      const url = await backend.database();
      const sim = await simulator(backend, count, 3000);
      const proc = ingester(sim, url);
      const checkpoint = async () => BigInt((await query(url, (sql) => sql`SELECT next_tick::text AS n FROM ingest_checkpoints`))[0]!.n);
      const runs = [];
      for (const reached of [3_000, 9_000]) {
        await waitForCheckpoint(url, STREAM, at(reached), 60_000, proc);
        // The cruellest ticks: the one just below the checkpoint, whose batch has only just committed.
        const top = (await checkpoint()) - 1n;
        await query(url, async (sql) => {
          for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
            await sql.unsafe(`DELETE FROM ${table} WHERE tick_number IN ($1::numeric, $2::numeric)`, [
              top.toString(),
              at(reached - 2000).toString(),
            ]);
          }
          await sql`UPDATE vdf_proofs SET proof = 'tampered' WHERE tick_number = ${(top - 1n).toString()}::numeric`;
          // The last tick of verify's first window (5,000 ticks): its output is the next window's chain link.
          if (reached > 5000) await sql`UPDATE vdf_proofs SET output = 'forged' WHERE tick_number = ${at(4999).toString()}::numeric`;
        });
        const run = await verify(sim, url, ["--repair"]);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining("tick-ingester verify:") });
        const boundary = reached > 5000 ? { [at(4999).toString()]: ["mismatch"] } : {};
        expect(named(run.stdout)).toEqual({
          [top.toString()]: ["missing"],
          [(top - 1n).toString()]: ["mismatch"],
          [at(reached - 2000).toString()]: ["missing"],
          ...boundary,
        });
        runs.push(run.stdout);
      }
      expect(proc.proc.exitCode).toBeNull(); // the ingester wrote on through both repairs
      await waitForCheckpoint(url, STREAM, at(count), 60_000, proc);
      proc.proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      const verdict = await query(url, (sql) => verifyTicks(sql, (n) => sim.tick(n), FIRST, at(count - 1)));
      expect(verdict).toMatchObject({ lost: [], duplicated: [], mismatched: [], stored: count - 3, rejected: 3, gaps: 0 });
      const last = await verify(sim, url);
      expect({ code: last.code, out: last.stdout }).toEqual({
        code: 0,
        out: expect.stringContaining(`${(count - 3).toLocaleString("en-US")} stored as served`),
      });
    }, 240_000);
  });
}

describe("verify and the sequencer's history", () => {
  test("stored ticks older than the sequencer's history are counted apart and checked for whole rows only", async () => {
    const { url, sim } = await ingested(backends[0]!, 3_000, 1_000);
    const clean = await verify(sim, url);
    expect({ code: clean.code, stdout: clean.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining("1,000 stored as served, 3 rejected, 0 in gaps, 1,997 older than the sequencer's history"),
    });
    // Rejected ticks (+7, +30, +40) lie in the forgotten part: accounted for by their rows alone.
    await query(url, (sql) => sql`DELETE FROM vdf_proofs WHERE tick_number = ${at(100).toString()}::numeric`);
    for (const args of [[], ["--repair"]]) {
      const run = await verify(sim, url, args);
      expect({ code: run.code, problems: named(run.stdout) }).toEqual({ code: 1, problems: { [at(100).toString()]: ["half_written"] } });
    }
  }, 120_000);
});

describe("verify's arguments and reachability", () => {
  test("exit 2 for a bad range, an unknown stream, an unreachable sequencer or database; the password stays hidden", async () => {
    const { url, sim } = await ingested(backends[0]!, 300);
    const env = { CONTINUUM_GRPC_URL: sim.address, DATABASE_URL: url, SERVICE_NAME: STREAM };
    const cases: Array<[string[], Record<string, string>, string]> = [
      [["--from", "10", "--to", "5"], env, "--from=10 is after --to=5"],
      [["--to", at(300).toString()], env, `--to=${at(300)} is not below stream "${STREAM}"'s checkpoint ${at(300)}`],
      [["--from", "x"], env, '--from="x": expected a whole number'],
      [[], { ...env, SERVICE_NAME: "nobody" }, 'stream "nobody" (SERVICE_NAME) has no checkpoint'],
      [[], { ...env, CONTINUUM_GRPC_URL: "127.0.0.1:1" }, `GetTick(${FIRST}) failed 4 times`],
      [
        [],
        { ...env, DATABASE_URL: "postgres://tick:s3cret@127.0.0.1:1/ticks" },
        "cannot connect to the database at postgres://tick:***@127.0.0.1:1/ticks",
      ],
      [[], { CONTINUUM_GRPC_URL: sim.address }, "DATABASE_URL is required"],
    ];
    // Ticks before the chain's first: the sequencer has none of them, so nothing can settle them.
    const before = ["--from", (FIRST - 3n).toString(), "--to", at(9).toString()];
    for (const args of [before, [...before, "--repair"]]) {
      const run = await cli(["verify", ...args], env);
      expect({ code: run.code, problems: named(run.stdout) }).toEqual({
        code: 1,
        problems: Object.fromEntries([3n, 2n, 1n].map((d) => [(FIRST - d).toString(), ["lost"]])),
      });
      if (args.includes("--repair")) expect(run.stdout).toContain("[not repaired: the sequencer cannot settle it]");
    }
    for (const [args, environment, message] of cases) {
      const run = await cli(["verify", ...args], environment);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 2, stderr: expect.stringContaining(message) });
      expect(run.stderr).not.toContain("s3cret");
    }

    // A repair never writes at or above the checkpoint, where the ingester's batches may be in flight.
    const top = at(300);
    const served = new Map([[top, servedOf(top, sim.tickBytes(top))]]);
    const refused = await query(url, (sql) => repairTicks(sql, STREAM, [top], served).catch((e: unknown) => e));
    expect(refused).toBeInstanceOf(AboveCheckpoint);
    const [row] = await query(url, (sql) => sql`SELECT count(*)::int AS n FROM ticks WHERE tick_number = ${top.toString()}::numeric`);
    expect(row!.n).toBe(0);
  }, 120_000);
});
