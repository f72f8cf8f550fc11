import { afterAll, expect, test } from "bun:test";
import { copyBytea, copyRow, copyText, copyTimestamp } from "../../src/sink/copy-text.ts";
import { freshDatabase } from "../support/postgres.ts";
import { openSql } from "../support/processes.ts";

const sql = openSql(await freshDatabase());
afterAll(() => sql.end());

const hostile = [
  "plain",
  "tab\there",
  "new\nline",
  "carriage\rreturn",
  "back\\slash",
  "\\N",
  "\\.",
  "trailing backslash\\",
  "emoji 🦀🔥 and ünïcödé and 中文",
  "\t\n\r\\",
  "",
  " leading and trailing ",
];

test("copyText escapes exactly the four characters COPY text treats specially", () => {
  expect(copyText("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
  expect(copyText("nothing special")).toBe("nothing special");
});

test("copyTimestamp keeps the microseconds", () => {
  expect(copyTimestamp(1768028416704159n)).toBe("2026-01-10T07:00:16.704159+00");
  expect(copyTimestamp(0n)).toBe("1970-01-01T00:00:00.000000+00");
});

test("hostile strings, bytes and timestamps round-trip through a real COPY", async () => {
  await sql`CREATE TABLE hostile (i int, s text, b bytea, t timestamptz)`;
  const bytes = new Uint8Array(256).map((_, i) => i);
  const stamp = 1768028416704159n;
  const rows = hostile
    .map((s, i) => copyRow([String(i), copyText(s), copyBytea(bytes.subarray(i)), copyTimestamp(stamp + BigInt(i))]))
    .join("");
  await sql.begin(async (tx) => {
    const w = await tx`COPY hostile (i, s, b, t) FROM STDIN`.writable();
    w.write(rows);
    await new Promise<void>((resolve, reject) => w.end((e?: Error | null) => (e ? reject(e) : resolve())));
  });
  const back = await sql`
    SELECT i, s, b, (extract(epoch FROM t) * 1000000)::numeric(20,0)::text AS micros FROM hostile ORDER BY i`;
  expect(back.map((r) => r.s)).toEqual(hostile);
  back.forEach((r, i) => {
    expect(new Uint8Array(r.b)).toEqual(bytes.subarray(i));
    expect(r.micros).toBe((stamp + BigInt(i)).toString());
  });
});
