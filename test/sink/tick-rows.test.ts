// The row encoder: a tick's wire bytes become binary COPY rows that a real PostgreSQL server
// stores with every value exact, or a reject naming the field; a message in a form other than the
// canonical one gives the rows its canonical re-encoding gives.
import { afterAll, expect, test } from "bun:test";
import { create, toBinary } from "@bufbuild/protobuf";
import type postgres from "postgres";
import { TickSchema, type Tick } from "../../src/gen/continuum/sequencer/v1/sequencer_pb.ts";
import { BatchBuilder } from "../../src/sink/batch.ts";
import { COPY_HEADER, COPY_TRAILER } from "../../src/sink/copy-binary.ts";
import { copyAll } from "../../src/sink/copy-in.ts";
import { decodeTick, newTickTables, TickRejected, tableData, tickCopies, tickRows, type TickRows } from "../../src/sink/tick-rows.ts";
import { caught } from "../support/caught.ts";
import { migratedDatabase } from "../support/database.ts";
import { openSql } from "../support/processes.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

function validTick(): Tick {
  return create(TickSchema, {
    tickNumber: 18446744073709551615n,
    timestamp: 1768028416704159n,
    transactionBatchHash: "ab".repeat(32),
    previousOutput: "cd".repeat(32),
    vdfProof: { input: "01".repeat(32), output: "02".repeat(32), proof: "03".repeat(32), iterations: 1_000_000n },
    transactions: [
      {
        transaction: {
          txId: "id\twith\ttabs",
          payload: new Uint8Array([0, 1, 2]),
          signature: new Uint8Array([9]),
          publicKey: new Uint8Array([8]),
          nonce: 9007199254740993n,
          timestamp: 1n,
        },
        sequenceNumber: 0n,
        txHash: "ef".repeat(32),
        ingestionTimestamp: 2n,
      },
    ],
  });
}

function rejection(mutate: (t: Tick) => void) {
  const tick = validTick();
  mutate(tick);
  return rejectionOf(toBinary(TickSchema, tick));
}

/** The reject of these bytes; the tables must be left as they were. */
function rejectionOf(bytes: Uint8Array) {
  const tables = newTickTables();
  const found = caught(TickRejected, () => tickRows(bytes, tables)).rejection;
  expect(tables.map((t) => t.length)).toEqual([0, 0, 0]);
  return found;
}

/** Loads ticks' rows by binary COPY, as the writer does, and reads them back as text. */
async function storeAndRead(ticks: Uint8Array[]) {
  const sql = openSql(await migratedDatabase());
  cleanup.push(() => sql.end());
  const tables = newTickTables();
  const rows = ticks.map((bytes) => tickRows(bytes, tables));
  await sql.begin((tx) => copyAll(tx, tickCopies(tables, rows)));
  const time = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  return {
    rows,
    ticks: await sql.unsafe(`SELECT tick_number::text AS n, ${time('"timestamp"')} AS t, batch_hash, previous_output,
                                    transaction_count AS c FROM ticks ORDER BY tick_number`),
    proofs: await sql.unsafe(`SELECT tick_number::text AS n, ${time("tick_timestamp")} AS t, input, output, proof, iterations::text AS i
                              FROM vdf_proofs ORDER BY tick_number`),
    transactions: await sql.unsafe(`SELECT tick_number::text AS n, ${time("tick_timestamp")} AS t, sequence_number::text AS s, tx_hash,
                                           tx_id, payload, signature, public_key, nonce::text, client_timestamp::text AS ct,
                                           ingestion_timestamp::text AS it
                                    FROM tick_transactions ORDER BY tick_number, sequence_number`),
  };
}

test("ticks' binary rows are stored by PostgreSQL with every value exact", async () => {
  const edge = validTick();
  edge.tickNumber = 100_000_000n; // base-10000 digits 1, 0, 0: trailing zeros
  edge.timestamp = 253_402_300_799_999_999n; // the latest accepted: 9999-12-31 23:59:59.999999
  edge.vdfProof!.iterations = 0n;
  edge.transactionBatchHash = "é✓😀 \\ \n";
  edge.transactions[0]!.transaction!.txId = "";
  edge.transactions[0]!.transaction!.nonce = 18446744073709551615n;
  edge.transactions[0]!.sequenceNumber = 10_000n;
  edge.transactions.push({ ...edge.transactions[0]!, sequenceNumber: 9_007_199_254_740_993n, txHash: "0A".repeat(32) });
  const early = validTick();
  early.tickNumber = 1n;
  early.timestamp = 1n; // 1970, before PostgreSQL's epoch of 2000
  early.transactions = [];
  const stored = await storeAndRead([validTick(), edge, early].map((t) => toBinary(TickSchema, t)));

  expect(stored.rows.map((r) => [r.tickNumber, r.timestampMicros, r.transactionCount])).toEqual([
    [18446744073709551615n, 1768028416704159n, 1],
    [100_000_000n, 253_402_300_799_999_999n, 2],
    [1n, 1n, 0],
  ]);
  expect(stored.ticks.map((r) => ({ ...r })) as unknown[]).toEqual([
    { n: "1", t: "1970-01-01T00:00:00.000001", batch_hash: "ab".repeat(32), previous_output: "cd".repeat(32), c: 0 },
    { n: "100000000", t: "9999-12-31T23:59:59.999999", batch_hash: "é✓😀 \\ \n", previous_output: "cd".repeat(32), c: 2 },
    { n: "18446744073709551615", t: "2026-01-10T07:00:16.704159", batch_hash: "ab".repeat(32), previous_output: "cd".repeat(32), c: 1 },
  ]);
  expect(
    stored.proofs.map((r) => `${r.n} ${r.t} ${r.input === "01".repeat(32)} ${r.output === "02".repeat(32)} ${r.i}`) as unknown[],
  ).toEqual([
    "1 1970-01-01T00:00:00.000001 true true 1000000",
    "100000000 9999-12-31T23:59:59.999999 true true 0",
    "18446744073709551615 2026-01-10T07:00:16.704159 true true 1000000",
  ]);
  const bytes = (r: postgres.Row) => ({ ...r, payload: [...r.payload], signature: [...r.signature], public_key: [...r.public_key] });
  const first = {
    n: "100000000",
    t: "9999-12-31T23:59:59.999999",
    s: "10000",
    tx_hash: "ef".repeat(32),
    tx_id: "",
    payload: [0, 1, 2],
    signature: [9],
    public_key: [8],
    nonce: "18446744073709551615",
    ct: "1",
    it: "2",
  };
  expect(stored.transactions.map(bytes) as unknown[]).toEqual([
    first,
    { ...first, s: "9007199254740993", tx_hash: "0A".repeat(32) },
    {
      n: "18446744073709551615",
      t: "2026-01-10T07:00:16.704159",
      s: "0",
      tx_hash: "ef".repeat(32),
      tx_id: "id\twith\ttabs",
      payload: [0, 1, 2],
      signature: [9],
      public_key: [8],
      nonce: "9007199254740993",
      ct: "1",
      it: "2",
    },
  ]);
});

test("each invalid field is rejected with a reason naming it, and nothing is written", () => {
  expect(rejection((t) => (t.tickNumber = 0n))).toEqual({ code: "zero_tick_number", detail: "tick_number is 0" });
  expect(rejection((t) => (t.vdfProof = undefined))).toEqual({ code: "missing_vdf_proof", detail: "vdf_proof is missing" });
  expect(rejection((t) => (t.vdfProof!.output = ""))).toEqual({ code: "missing_vdf_proof", detail: "vdf_proof.output is empty" });
  expect(rejection((t) => (t.transactions[0]!.txHash = ""))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].tx_hash is empty",
  });
  // 64 hex characters is the sequencer's hash (SHA-256 in hex); a 24,000-character one is refused by the index (54000).
  expect(rejection((t) => (t.transactions[0]!.txHash = "a".repeat(24_000)))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].tx_hash is not 64 hexadecimal characters (24000 characters)",
  });
  expect(rejection((t) => (t.transactions[0]!.txHash = "zz".repeat(32))).detail).toBe(
    "transactions[0].tx_hash is not 64 hexadecimal characters (64 characters)",
  );
  expect(rejection((t) => (t.transactions[0]!.txHash = "é".repeat(64))).detail).toBe(
    "transactions[0].tx_hash is not 64 hexadecimal characters (64 characters)",
  );
  expect(rejection((t) => (t.transactions[0]!.transaction!.signature = new Uint8Array()))).toEqual({
    code: "invalid_transaction",
    detail: "transactions[0].transaction.signature is empty",
  });
  expect(rejection((t) => (t.transactions[0]!.transaction!.publicKey = new Uint8Array())).detail).toBe(
    "transactions[0].transaction.public_key is empty",
  );
  expect(rejection((t) => (t.transactions[0]!.transaction = undefined)).detail).toBe("transactions[0].transaction is missing");
  expect(rejection((t) => (t.transactions[0]!.transaction!.txId = "nul\0here"))).toEqual({
    code: "nul_in_text",
    detail: "transactions[0].transaction.tx_id contains a NUL character, which PostgreSQL text cannot store",
  });
  expect(rejection((t) => (t.vdfProof!.proof = "\0"))).toEqual({
    code: "nul_in_text",
    detail: "vdf_proof.proof contains a NUL character, which PostgreSQL text cannot store",
  });
  expect(rejection((t) => (t.timestamp = 253_402_300_800_000_000n))).toEqual({
    code: "timestamp_out_of_range",
    detail: "timestamp 253402300800000000 is beyond year 9999",
  });
  expect(rejection((t) => (t.timestamp = 18446744073709551615n)).code).toBe("timestamp_out_of_range");
});

/** validTick's bytes with the UTF-8 of `marker` (in field `put`) replaced by `bytes` of the same length. */
function withBytes(put: (t: Tick, marker: string) => void, bytes: number[]) {
  const marker = "M".repeat(bytes.length);
  const tick = validTick();
  put(tick, marker);
  const encoded = toBinary(TickSchema, tick);
  const at = Buffer.from(encoded).indexOf(marker);
  expect(at).toBeGreaterThan(0);
  encoded.set(bytes, at);
  return encoded;
}

test("a string field that is not valid UTF-8 is rejected naming the field, never stored altered", () => {
  // Before: the whole message was `undecodable`, with no word of which field.
  const lone = [0x61, 0xff, 0x62]; // a byte that begins no UTF-8 sequence
  const surrogate = [0xed, 0xa0, 0x80]; // U+D800 as UTF-8: not a character
  const cut = [0x61, 0x62, 0xe2, 0x9c]; // a three-byte sequence cut short
  expect(rejectionOf(withBytes((t, m) => (t.transactions[0]!.transaction!.txId = m), lone))).toEqual({
    code: "invalid_utf8",
    detail: "transactions[0].transaction.tx_id is not valid UTF-8",
  });
  expect(rejectionOf(withBytes((t, m) => (t.previousOutput = m), surrogate))).toEqual({
    code: "invalid_utf8",
    detail: "previous_output is not valid UTF-8",
  });
  expect(rejectionOf(withBytes((t, m) => (t.vdfProof!.input = m), cut))).toEqual({
    code: "invalid_utf8",
    detail: "vdf_proof.input is not valid UTF-8",
  });
});

/** The rows of `bytes`, as the bytes of the three tables. */
function rowBytes(bytes: Uint8Array): { rows: Omit<TickRows, "reencoded">; tables: number[][] } {
  const tables = newTickTables();
  const { reencoded: _, ...rows } = tickRows(bytes, tables);
  return { rows, tables: tables.map((t) => [...t.bytes.subarray(0, t.length)]) };
}

/** A tag of a field below 16: one byte. */
const tag = (field: number, wireType: number) => [(field << 3) | wireType];
const delimited = (field: number, content: number[]) => [...tag(field, 2), content.length, ...content];
const ascii = (text: string) => [...Buffer.from(text)];

test("a message in another form than the canonical one gives the rows the generated decoder reads from it", () => {
  const canonical = [...toBinary(TickSchema, validTick())];
  const proof = validTick().vdfProof!;
  const variants = [
    // A singular field twice: the last one counts.
    [...canonical, ...delimited(4, ascii("last batch hash"))],
    // The vdf_proof message in two parts: they merge.
    [...canonical, ...delimited(2, [...tag(4, 0), 7])],
    // Unknown fields of every scalar wire type: skipped.
    [...tag(15, 0), 0x96, 0x01, ...tag(14, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...tag(13, 5), 1, 2, 3, 4, ...delimited(12, [1, 2]), ...canonical],
    // A group (an unknown field of a deprecated wire type): left to the generated decoder.
    [...tag(11, 3), ...tag(1, 0), 5, ...tag(11, 4), ...canonical],
    // A varint spelled with more bytes than it needs.
    [...canonical, ...tag(5, 0), 0x81, 0x80, 0x80, 0x00],
  ];
  for (const variant of variants) {
    const bytes = new Uint8Array(variant);
    const expected = rowBytes(toBinary(TickSchema, decodeTick(bytes)));
    expect(rowBytes(bytes)).toEqual(expected);
    expect(tickRows(bytes, newTickTables()).reencoded).toBe(variant !== variants[2]); // unknown scalar fields are read in place
  }
  expect(tickRows(new Uint8Array(canonical), newTickTables()).reencoded).toBe(false);
  expect(rowBytes(new Uint8Array(variants[0]!)).tables).not.toEqual(rowBytes(new Uint8Array(canonical)).tables);
  expect(decodeTick(new Uint8Array(variants[1]!)).vdfProof).toEqual({ ...proof, iterations: 7n });
});

test("bytes that are not a Tick are rejected as undecodable", () => {
  for (const bytes of [[0xff, 0xff, 0xff], [0x0a, 0x05, 0x01], [0x08]]) expect(rejectionOf(new Uint8Array(bytes)).code).toBe("undecodable");
  expect(decodeTick(toBinary(TickSchema, validTick())).tickNumber).toBe(18446744073709551615n);
});

test("a table's COPY data for some of a batch's ticks is their rows alone, between the header and the trailer", () => {
  const tables = newTickTables();
  const rows = [1n, 2n, 3n].map((n) => {
    const tick = validTick();
    tick.tickNumber = n;
    return tickRows(toBinary(TickSchema, tick), tables);
  });
  const ticksTable = tables[0].bytes;
  const rowOf = (r: TickRows) => [...ticksTable.subarray(r.spans[0], r.spans[1])];
  const data = (ticks: TickRows[]) => [...tableData(tables, 0, ticks)].flatMap((piece) => [...piece]);
  expect(data([rows[0]!, rows[2]!])).toEqual([...COPY_HEADER, ...rowOf(rows[0]!), ...rowOf(rows[2]!), ...COPY_TRAILER]);
  expect([...tableData(tables, 0, rows)]).toHaveLength(3); // contiguous rows: one piece
  expect([...tableData(tables, 0, [])]).toEqual([]);
  // No transactions in these ticks: no COPY into tick_transactions at all.
  const noTransactions = tickRows(toBinary(TickSchema, { ...validTick(), tickNumber: 4n, transactions: [] }), tables);
  expect([...tableData(tables, 2, [noTransactions])]).toEqual([]);
  expect([...tableData(tables, 2, [rows[1]!, noTransactions])]).toHaveLength(3);
});

test("a batch keeps a tick with invalid UTF-8 as a reject under its number, with its bytes, and stores the others", () => {
  const bad = withBytes((t, m) => (t.transactionBatchHash = m), [0xc3, 0x28]); // a two-byte sequence broken off
  const good = toBinary(TickSchema, { ...validTick(), tickNumber: 7n });
  const builder = new BatchBuilder();
  builder.addTick(bad);
  builder.addTick(good);
  const batch = builder.finish({ batchId: 1, first: "7", last: "18446744073709551615", gaps: [], chainBreaks: [] });
  expect(batch.rejected).toEqual([
    { tickNumber: 18446744073709551615n, code: "invalid_utf8", detail: "transaction_batch_hash is not valid UTF-8", raw: bad },
  ]);
  expect(batch.stored.map((s) => s.rows.tickNumber)).toEqual([7n]);
  expect(batch.stored[0]!.rows.spans[0]).toBe(0); // the rejected tick left nothing in the tables
});
