import { migrate } from "../src/schema/migrate.ts";
import { freshDatabase } from "../test/support/postgres.ts";
import { startTimescaleServer } from "../test/support/timescale-server.ts";
import { openSql } from "../test/support/processes.ts";

const ticks = Number(process.argv[2] ?? 300_000);
const first = 51_548_050_841n;
const server = await startTimescaleServer();
const db = openSql(await freshDatabase(server.url));

try {
  await migrate(db, { compressAfter: "1 day", retainFor: "7 days" });
  const start = new Date(Date.now() - 2 * 86_400_000);
  // 0.15% of ticks carry 2 transactions (the sparse production workload).
  await db`INSERT INTO ticks SELECT ${first.toString()}::numeric + i, ${start}::timestamptz + i * interval '250 ms',
             md5(i::text) || md5(i::text), md5((i - 1)::text), CASE WHEN i % 667 = 0 THEN 2 ELSE 0 END
           FROM generate_series(0, ${ticks - 1}) i`;
  await db`INSERT INTO vdf_proofs SELECT tick_number, "timestamp", previous_output, md5(batch_hash), repeat(batch_hash, 4), 1000000 FROM ticks`;
  await db`INSERT INTO tick_transactions SELECT tick_number, "timestamp", s, md5(batch_hash || s), 'tx', '\\x00', '\\x01', '\\x02', s, 1, 2
           FROM ticks, generate_series(0, 1) s WHERE transaction_count = 2`;
  for (const table of ["ticks", "vdf_proofs", "tick_transactions"]) {
    await db`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks(${table}::regclass, older_than => interval '1 day') c`;
  }
  await db`ANALYZE`;

  const middle = (first + BigInt(Math.floor(ticks / 2))).toString();
  const hash = (await db`SELECT tx_hash FROM tick_transactions ORDER BY tick_number DESC LIMIT 1`)[0]!.tx_hash as string;
  const lookups: Record<string, () => Promise<unknown>> = {
    get_tick_by_number: () => db`SELECT * FROM get_tick_by_number(${middle})`,
    get_transaction_by_hash: () => db`SELECT * FROM get_transaction_by_hash(${hash})`,
    "v_recent_ticks (all compressed)": () => db`SELECT * FROM v_recent_ticks`,
    "ticks WHERE tick_number = x::uint64": () => db.unsafe(`SELECT * FROM ticks WHERE tick_number = ${middle}::uint64`),
  };
  console.log(`${ticks} ticks in one compressed chunk; median of 20 runs`);
  for (const [name, run] of Object.entries(lookups)) {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const begin = performance.now();
      await run();
      times.push(performance.now() - begin);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(40)} ${times[10]!.toFixed(2)} ms`);
  }
} finally {
  await db.end();
  await server.destroy();
}
