// A hostile sequencer (or a proxy in front of it): statuses that lie about their cause, tick
// numbers far ahead of the chain, messages that say two numbers, kills in the middle of a
// backfill, and a flood of messages that are not ticks while the database is away. Each must end
// with every tick stored once, or kept as a reject, and nothing lost, doubled or altered.
import { expect, test } from "bun:test";
import { TestClient } from "../simulator/client.ts";
import { FIRST, STREAM, scenario, seconds } from "./harness.ts";
import { vmRssMb } from "./outage.ts";
import { openSql } from "../support/processes.ts";

const range = (from: bigint, count: number) => Array.from({ length: count }, (_, i) => from + BigInt(i));

test("RESOURCE_EXHAUSTED for overload mid-stream: reconnect, reject nothing; a tick really too large is a reject", async () => {
  await scenario("hostile/resource-exhausted", async (s) => {
    await s.database();
    const exhaust = [FIRST + 1000n, FIRST + 3000n];
    const oversize = FIRST + 2000n;
    await s.stream({ count: 5000, faults: { exhaust, hostile: [{ tick: oversize, kind: "oversize" }] } });
    const proc = s.ingester();
    await s.finish(proc);
    await s.verify(`the stream ended with RESOURCE_EXHAUSTED ("too many streams") ${exhaust.length} times, and once on a 17 MiB tick`, {
      rejected: 1,
    });
    const sql = openSql(s.databaseUrl);
    const rejects = await sql`SELECT tick_number::text AS n, split_part(reason, ':', 1) AS code FROM tick_rejects`.finally(() => sql.end());
    expect(rejects.map((r) => ({ ...r }))).toEqual([{ n: oversize.toString(), code: "too_large" }]);
  });
}, 60_000);

test("ticks numbered 2^64-2 and 2^64-1 in the stream: kept as rejects, history intact", async () => {
  await scenario("hostile/far-ahead", async (s) => {
    await s.database();
    const leap = [FIRST + 1000n, FIRST + 2500n];
    await s.stream({ count: 4000, faults: { leap } });
    const proc = s.ingester();
    await s.finish(proc);
    await s.verify(`the stream sent ticks numbered 2^64-2 and 2^64-1 at ${leap.length} places`);
    const sql = openSql(s.databaseUrl);
    const rejects = await sql`SELECT tick_number, split_part(reason, ':', 1) AS code, length(raw) > 0 AS has_raw FROM tick_rejects`.finally(
      () => sql.end(),
    );
    expect(rejects.length).toBeGreaterThanOrEqual(2 * leap.length); // a reconnect may see one again
    expect(new Set(rejects.map((r) => JSON.stringify({ ...r })))).toEqual(
      new Set([JSON.stringify({ tick_number: null, code: "implausible_tick_number", has_raw: true })]),
    );
  });
}, 60_000);

test("a message with field 1 twice, as varint and fixed64: a reject, never filed under another number", async () => {
  await scenario("hostile/two-numbers", async (s) => {
    await s.database();
    const hostile = [FIRST + 1000n, FIRST + 1001n, FIRST + 2000n].map((tick) => ({ tick, kind: "two-numbers" as const }));
    await s.stream({ count: 3000, faults: { hostile } });
    await s.finish(s.ingester());
    await s.verify(`${hostile.length} ticks served with field 1 again as fixed64 reading as the number before`, {
      rejected: hostile.length,
    });
    const sql = openSql(s.databaseUrl);
    const rejects = await sql`SELECT tick_number::text AS n, reason FROM tick_rejects ORDER BY tick_number`.finally(() => sql.end());
    expect(rejects.map((r) => r.n)).toEqual(hostile.map((h) => h.tick.toString()));
    for (const r of rejects) expect(r.reason).toContain("field 1 (tick_number) has wire type Bit64, not Varint");
  });
}, 60_000);

/**
 * Leaves the database as a SIGKILL in the middle of a backfill leaves it: the checkpoint back at
 * `from`, and above it only short committed ranges (`length` ticks, every other run of them) with
 * the ticks between them never written. Returns how many ranges it kept.
 */
async function rewindToShortRanges(databaseUrl: string, from: bigint, to: bigint, length: bigint, last: bigint): Promise<number> {
  const sql = openSql(databaseUrl);
  try {
    const kept: Array<[bigint, bigint]> = [];
    for (let first = from + length; first + length - 1n <= to; first += 2n * length) kept.push([first, first + length - 1n]);
    await sql.begin(async (tx) => {
      await tx`UPDATE ingest_checkpoints SET next_tick = ${from.toString()}::numeric WHERE stream = ${STREAM}`;
      await tx`DELETE FROM ingest_ranges WHERE stream = ${STREAM}`;
      for (const [first, end] of [...kept, [to + 1n, last] as [bigint, bigint]]) {
        await tx`INSERT INTO ingest_ranges (stream, first_tick, last_tick) VALUES (${STREAM}, ${first.toString()}::numeric, ${end.toString()}::numeric)`;
      }
      const unwritten = (column: string) =>
        kept
          .map(([a, b]) => `NOT (${column} BETWEEN ${a} AND ${b})`)
          .concat(`${column} BETWEEN ${from} AND ${to}`)
          .join(" AND ");
      for (const table of ["ticks", "vdf_proofs", "tick_transactions", "tick_rejects"])
        await tx.unsafe(`DELETE FROM ${table} WHERE ${unwritten("tick_number")}`);
      await tx.unsafe(`DELETE FROM tick_gaps WHERE ${unwritten("first_tick")}`);
    });
    return kept.length;
  } finally {
    await sql.end();
  }
}

test("SIGKILL during a backfill over short committed ranges", async () => {
  await scenario("hostile/sigkill-backfill", async (s) => {
    await s.database();
    // The stream leaves out a long run, so the ingester fetches it with GetTick.
    const omitFrom = FIRST + 200n;
    const omit = range(omitFrom, 1500);
    await s.stream({ count: 2000, faults: { omit } });
    const env = { BATCH_SIZE: "12", FLUSH_INTERVAL: "20ms", WORKER_COUNT: "3" };
    await s.finish(s.ingester(env));
    const ranges = await rewindToShortRanges(s.databaseUrl, omitFrom, omit.at(-1)!, 12n, s.last);
    const delays: number[] = [];
    for (let k = 0; k < 2; k++) {
      const proc = s.ingester(env);
      await s.started(proc);
      const delay = s.between(50, 400);
      delays.push(delay);
      await Bun.sleep(delay);
      await s.sigkill(proc);
    }
    await s.finish(s.ingester(env));
    await s.verify(
      `restarted over ${ranges} committed ranges of 12 ticks between unwritten ones inside a backfill of ${omit.length} omitted ticks; ` +
        `then ${delays.length} SIGKILLs ${delays.map(seconds).join(", ")} after start; BATCH_SIZE 12, 3 workers`,
    );
  });
}, 120_000);

test("undecodable messages during a database outage: the stream pauses, memory stays bounded", async () => {
  await scenario("hostile/junk-outage", async (s) => {
    const pg = await s.postgres();
    await s.database(pg);
    const stallAt = FIRST + 2000n;
    const junkAt = FIRST + 2500n;
    const junk = 600; // 64 KiB each: 37.5 MiB of messages that are not ticks
    const sim = await s.stream({ count: 6000, faults: { stall: [{ tick: stallAt, ms: 3000 }], junk: [{ tick: junkAt, count: junk }] } });
    const bufferBytes = 4 * 1024 * 1024;
    const proc = s.ingester({ BUFFER_BYTES: String(bufferBytes) });
    const client = new TestClient(sim.address);
    try {
      await s.started(proc);
      await s.waitFor(stallAt, proc);
      const rssBefore = vmRssMb(proc.proc.pid);
      await pg.stop();
      await Bun.sleep(6000); // the stall ends, the junk arrives with nowhere to go
      const rssDuring = vmRssMb(proc.proc.pid);
      const head = (await client.getStatus()).currentTick;
      await pg.start();
      await s.finish(proc);
      await s.verify(
        `${junk} undecodable 64 KiB messages during a 6 s outage, BUFFER_BYTES 4 MiB: VmRSS ${rssBefore.toFixed(0)} MB before, ` +
          `${rssDuring.toFixed(0)} MB during; the stream stopped ${head - junkAt} ticks after the junk`,
      );
      // Unbounded, the junk (and its copies on the way to a Worker) would hold over 100 MB, and the
      // stream would have run on to its last tick.
      expect(head).toBeLessThan(s.last);
      expect(rssDuring - rssBefore).toBeLessThan(60);
    } finally {
      client.close();
    }
  });
}, 120_000);
