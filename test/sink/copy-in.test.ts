// Several COPYs as one query, each one's data sent behind it without waiting for the server
// (patches/postgres@3.4.9.patch), against a real server: the rows land in order, a piece over
// 1 MiB is split, and a COPY the server refuses fails the query with its error while the data
// behind it is dropped and the connection stays usable.
import { afterAll, expect, test } from "bun:test";
import { copyAll, textRows } from "../../src/sink/copy-in.ts";
import { COPY_HEADER, COPY_TRAILER, CopyBuffer } from "../../src/sink/copy-binary.ts";
import { statementLog } from "../support/database.ts";
import { freshDatabase } from "../support/postgres.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(cleanup.map((f) => f())));

/** One connection, and the queries it sends. */
async function database() {
  const { sql, queries } = statementLog(await freshDatabase());
  cleanup.push(() => sql.end());
  await sql`CREATE TABLE words (n int, word text)`;
  await sql`CREATE TABLE numbers (n int PRIMARY KEY)`;
  queries.length = 0;
  return { sql, queries };
}

/** Binary COPY data of int4 rows. */
function ints(values: number[]): Uint8Array[] {
  const rows = new CopyBuffer();
  for (const value of values) {
    rows.reserve(10);
    rows.int16(1);
    rows.int32(4);
    rows.int32(value);
  }
  return [COPY_HEADER, rows.bytes.subarray(0, rows.length), COPY_TRAILER];
}

test("COPYs into several tables, text and binary, go as one query; a table without data is left out", async () => {
  const { sql, queries } = await database();
  await sql.begin((tx) =>
    copyAll(tx, [
      { table: "words", columns: "n, word", data: textRows([1, 2, 3], (n) => `${n}\tword ${n}\n`) },
      { table: "nothing", columns: "n", data: [] },
      { table: "numbers", columns: "n", data: ints([7, 8, 9]), binary: true },
    ]),
  );
  expect(queries).toEqual(["begin", "COPY words; COPY numbers", "commit"]);
  expect([...(await sql`SELECT n, word FROM words ORDER BY n`)]).toEqual([
    { n: 1, word: "word 1" },
    { n: 2, word: "word 2" },
    { n: 3, word: "word 3" },
  ]);
  expect((await sql`SELECT n FROM numbers ORDER BY n`).map((r) => r.n)).toEqual([7, 8, 9]);
});

test("data over 1 MiB in one piece arrives whole", async () => {
  const { sql } = await database();
  const long = "x".repeat(3 << 20);
  await sql.begin((tx) => copyAll(tx, [{ table: "words", columns: "n, word", data: [Buffer.from(`1\t${long}\n`)] }]));
  const [row] = await sql`SELECT length(word) AS length FROM words`;
  expect(row!.length).toBe(3 << 20);
});

test("a refused COPY fails the query with the server's error; the data behind it is dropped and the connection answers on", async () => {
  const { sql } = await database();
  const failed = await sql
    .begin((tx) =>
      copyAll(tx, [
        { table: "numbers", columns: "n", data: ints([1, 1]), binary: true },
        { table: "words", columns: "n, word", data: textRows([1, 2], (n) => `${n}\tword\n`) },
      ]),
    )
    .then(
      () => undefined,
      (error: unknown) => error as { code?: string; message: string },
    );
  expect(failed?.code).toBe("23505");
  expect(failed?.message).toContain("numbers_pkey");
  // One connection (max: 1): the same session rolled back and reads both tables empty.
  const [counts] = await sql`SELECT (SELECT count(*) FROM numbers)::int AS numbers, (SELECT count(*) FROM words)::int AS words`;
  expect(counts).toEqual({ numbers: 0, words: 0 });
});
