import { afterAll, expect, test } from "bun:test";
import { freshDatabase } from "./support/postgres.ts";
import { openSql } from "./support/processes.ts";

const sql = openSql(await freshDatabase());
afterAll(() => sql.end());

test("COPY ... FROM STDIN through postgres.js stores rows that read back exactly", async () => {
  await sql`CREATE TABLE copied (n numeric(20,0), label text, data bytea)`;
  await sql.begin(async (tx) => {
    const writable = await tx`COPY copied (n, label, data) FROM STDIN`.writable();
    writable.write("18446744073709551615\ttab\\there\t\\\\xdeadbeef\n");
    writable.write("1\t\\N\t\\N\n");
    await new Promise<void>((resolve, reject) => writable.end((error?: Error | null) => (error ? reject(error) : resolve())));
  });
  const rows = await sql`SELECT n::text, label, encode(data, 'hex') AS data FROM copied ORDER BY n`;
  expect(rows.map((r) => ({ ...r }))).toEqual([
    { n: "1", label: null, data: null },
    { n: "18446744073709551615", label: "tab\there", data: "deadbeef" },
  ]);
});
