// The pipeline end to end: the ingester as a separate process, reading the simulator over
// loopback and writing to a real PostgreSQL server; the database is then checked tick by tick
// against what the simulator serves.
import { afterEach, describe, expect, test } from "bun:test";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { migratedDatabase } from "../support/database.ts";
import { exactlyOnce, FIRST, finishAndVerify, PipelineParts, stopGracefully, STREAM } from "../support/pipeline.ts";
import { query, spawnIngester, waitForCheckpoint } from "../support/processes.ts";
import { startPostgres } from "../support/postgres.ts";
import { verifyTicks } from "../support/verify.ts";

const parts = new PipelineParts();
afterEach(() => parts.stopAll());

describe("ingest", () => {
  test("50,000 ticks: every tick, proof and transaction stored exactly once, as served", async () => {
    const count = 50_000;
    const db = await migratedDatabase();
    const sim = await parts.simulator(count);
    const proc = parts.ingester(sim, db);
    const verdict = await finishAndVerify(proc, db, sim, count);
    expect(verdict).toMatchObject({ ...exactlyOnce, stored: count });
    const [row] = await query(db, (sql) => sql`SELECT count(*)::int AS txs FROM tick_transactions`);
    expect(row!.txs).toBeGreaterThan(count * 0.2);
  }, 120_000);

  test("SIGKILLed three times mid-stream and restarted: still exactly once", async () => {
    const count = 50_000;
    const db = await migratedDatabase();
    const sim = await parts.simulator(count);
    for (const fraction of [0.2, 0.45, 0.7]) {
      const proc = parts.ingester(sim, db);
      await waitForCheckpoint(db, STREAM, FIRST + BigInt(Math.floor(count * fraction)), 90_000, proc);
      proc.proc.kill("SIGKILL");
      await proc.exited;
    }
    const last = parts.ingester(sim, db);
    expect(await finishAndVerify(last, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
  }, 180_000);

  test("the stream dropped every 1,000 ticks: reconnects resume where the pipeline is", async () => {
    const count = 20_000;
    const db = await migratedDatabase();
    const sim = await parts.simulator(count, { faults: { dropEvery: 1000 } });
    const proc = parts.ingester(sim, db);
    expect(await finishAndVerify(proc, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
    expect(proc.output().match(/Stream error \(will reconnect\)/g)?.length ?? 0).toBeGreaterThanOrEqual(19);
  }, 120_000);

  test("ticks left out of the stream are fetched with GetTick; repeated ticks are stored once", async () => {
    const count = 10_000;
    const omit = [FIRST + 100n, FIRST + 101n, FIRST + 102n, FIRST + 5000n, FIRST + BigInt(count) - 2n];
    const repeat = [FIRST + 10n, FIRST + 7000n];
    const db = await migratedDatabase();
    const sim = await parts.simulator(count, { faults: { omit, repeat } });
    const proc = parts.ingester(sim, db);
    expect(await finishAndVerify(proc, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count, gaps: 0 });
    expect(proc.output()).toContain("Fetched ticks the stream skipped");
  }, 120_000);

  test("invalid and undecodable ticks go to tick_rejects with the reason and raw bytes; the rest is stored", async () => {
    const count = 5_000;
    const invalid = [
      { tick: FIRST + 10n, kind: "zero-tick" as const },
      { tick: FIRST + 20n, kind: "no-vdf" as const },
      { tick: FIRST + 30n, kind: "unsigned-tx" as const },
    ];
    const garbage = [FIRST + 40n];
    const db = await migratedDatabase();
    const sim = await parts.simulator(count, { faults: { invalid, garbage } });
    const proc = parts.ingester(sim, db);
    const verdict = await finishAndVerify(proc, db, sim, count);
    expect(verdict).toMatchObject({ ...exactlyOnce, stored: count - 4, rejected: 4 });
    const rejects = await query(
      db,
      (sql) => sql`
      SELECT tick_number::text AS n, split_part(reason, ':', 1) AS code, length(raw) > 0 AS has_raw
      FROM tick_rejects WHERE tick_number IS NOT NULL ORDER BY tick_number`,
    );
    // One row for each bad message: the stream's copy (without a usable number) and GetTick's
    // copy of the tick the stream therefore skipped are the same message.
    expect(rejects.map((r) => ({ ...r }))).toEqual([
      { n: (FIRST + 10n).toString(), code: "zero_tick_number", has_raw: true },
      { n: (FIRST + 20n).toString(), code: "missing_vdf_proof", has_raw: true },
      { n: (FIRST + 30n).toString(), code: "invalid_transaction", has_raw: true },
      { n: (FIRST + 40n).toString(), code: "undecodable", has_raw: true },
    ]);
    const unnumbered = await query(
      db,
      (sql) => sql`SELECT split_part(reason, ':', 1) AS code FROM tick_rejects WHERE tick_number IS NULL ORDER BY 1`,
    );
    expect(unnumbered.map((r) => r.code)).toEqual([]);
  }, 120_000);

  test("hostile strings and extreme uint64 values are stored exactly; NUL makes a reject, not a crash; a chain break is recorded", async () => {
    const count = 2_000;
    const hostile = [
      { tick: FIRST + 5n, kind: "tabs" as const },
      { tick: FIRST + 6n, kind: "big-nonce" as const },
      { tick: FIRST + 7n, kind: "max-nonce" as const },
      { tick: FIRST + 8n, kind: "nul" as const },
      { tick: FIRST + 9n, kind: "big-payload" as const },
      { tick: FIRST + 20n, kind: "broken-chain" as const },
    ];
    const db = await migratedDatabase();
    const sim = await parts.simulator(count, { faults: { hostile } });
    const proc = parts.ingester(sim, db);
    expect(await finishAndVerify(proc, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count - 1, rejected: 1 });
    const [reject] = await query(db, (sql) => sql`SELECT tick_number::text AS n, reason FROM tick_rejects`);
    expect(reject).toMatchObject({ n: (FIRST + 8n).toString() });
    expect(reject!.reason).toStartWith("nul_in_text");
    const nonces = await query(
      db,
      (sql) => sql`
      SELECT nonce::text FROM tick_transactions WHERE tick_number IN (${(FIRST + 6n).toString()}::numeric, ${(FIRST + 7n).toString()}::numeric)
      ORDER BY nonce`,
    );
    expect(nonces.map((r) => r.nonce)).toContain("18446744073709551615");
    expect(nonces.map((r) => r.nonce)).toContain("9007199254740993");
    const breaks = await query(
      db,
      (sql) => sql`SELECT tick_number::text AS n, expected_previous_output, previous_output FROM chain_breaks`,
    );
    expect(breaks.map((r) => ({ ...r }))).toEqual([
      { n: (FIRST + 20n).toString(), expected_previous_output: sim.tick(FIRST + 19n).vdfProof!.output, previous_output: "0".repeat(64) },
    ]);
  }, 120_000);

  test("a PostgreSQL server stopped for 10 seconds under load: nothing lost, nothing twice", async () => {
    const count = 30_000;
    const pg = await startPostgres();
    parts.add(() => pg.destroy());
    const db = await migratedDatabase(pg.url);
    const sim = await parts.simulator(count, { rate: 3000 });
    const proc = parts.ingester(sim, db);
    await waitForCheckpoint(db, STREAM, FIRST + 3000n, 60_000, proc);
    await pg.stop();
    await Bun.sleep(10_000);
    await pg.start();
    expect(await finishAndVerify(proc, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
    expect(proc.output()).toContain("Batch write failed (will retry)");
  }, 180_000);

  test("SIGTERM under load drains, exits 0 within the timeout, and the next run finishes the stream", async () => {
    const count = 100_000;
    const db = await migratedDatabase();
    const sim = await parts.simulator(count);
    const proc = parts.ingester(sim, db, { SHUTDOWN_TIMEOUT: "20s" });
    await waitForCheckpoint(db, STREAM, FIRST + 5000n, 60_000, proc);
    const started = Date.now();
    await stopGracefully(proc);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(proc.output()).toContain("Shutdown complete");
    const next = parts.ingester(sim, db);
    expect(await finishAndVerify(next, db, sim, count)).toMatchObject({ ...exactlyOnce, stored: count });
  }, 180_000);

  test("ticks older than the sequencer's history are recorded as one gap, found by bisection", async () => {
    const lost = 30_000n;
    const count = 2_000;
    const db = await migratedDatabase();
    const sim = await startSimulator(
      simulatorDefaults({ rate: 0, firstTick: FIRST + lost, stopAt: FIRST + lost + BigInt(count) - 1n, seed: 7 }),
    );
    parts.add(() => sim.stop());
    const proc = parts.ingester(sim, db);
    await waitForCheckpoint(db, STREAM, FIRST + lost + BigInt(count), 60_000, proc);
    await stopGracefully(proc);
    const gaps = await query(db, (sql) => sql`SELECT first_tick::text AS first, last_tick::text AS last, reason FROM tick_gaps`);
    expect(gaps.map((g) => ({ ...g }))).toEqual([
      { first: FIRST.toString(), last: (FIRST + lost - 1n).toString(), reason: "older than the sequencer's history" },
    ]);
    const verdict = await query(db, (sql) => verifyTicks(sql, (n) => sim.tick(n), FIRST, FIRST + lost + BigInt(count) - 1n));
    expect(verdict).toMatchObject({ ...exactlyOnce, stored: count, gaps: Number(lost) });
  }, 60_000);

  test("START_TICK applies only to a database without a checkpoint", async () => {
    const count = 3_000;
    const db = await migratedDatabase();
    const sim = await parts.simulator(count);
    const first = parts.ingester(sim, db, { START_TICK: (FIRST + 1000n).toString() });
    await waitForCheckpoint(db, STREAM, FIRST + BigInt(count), 60_000, first);
    await stopGracefully(first);
    const second = parts.ingester(sim, db, { START_TICK: FIRST.toString() });
    await Bun.sleep(1500);
    await stopGracefully(second);
    const [row] = await query(db, (sql) => sql`SELECT min(tick_number)::text AS min, count(*)::int AS n FROM ticks`);
    expect({ ...row }).toEqual({ min: (FIRST + 1000n).toString(), n: count - 1000 });
  }, 120_000);

  test("console mode prints every tick in order with exact uint64 values", async () => {
    const count = 1_000;
    const sim = await parts.simulator(count);
    const proc = spawnIngester({
      CONTINUUM_GRPC_URL: sim.address,
      OUTPUT_MODE: "console",
      OUTPUT_FORMAT: "compact",
      START_TICK: FIRST.toString(),
      WORKER_COUNT: "3",
    });
    parts.add(async () => {
      proc.proc.kill("SIGKILL");
      await proc.exited;
    });
    const deadline = Date.now() + 30_000;
    const lines = () =>
      proc
        .output()
        .split("\n")
        .filter((l) => l.startsWith('{"tickNumber"'));
    while (lines().length < count && Date.now() < deadline) await Bun.sleep(100);
    proc.proc.kill("SIGTERM");
    await proc.exited;
    const numbers = lines().map((l) => JSON.parse(l).tickNumber);
    expect(numbers.length).toBe(count);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => (FIRST + BigInt(i)).toString()));
  }, 60_000);
});
