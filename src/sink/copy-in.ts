// COPY ... FROM STDIN into several tables as one simple query: each statement's data and its
// CopyDone go right behind the query, without waiting for the server's CopyInResponse
// (patches/postgres@3.4.9.patch). The server reads them in order and drops what is left after an
// error. So a batch's COPYs cost one round trip instead of two each. Binary COPY data
// (copy-binary.ts) goes as it lies; rows of text as UTF-8. Pieces are at most 1 MiB: the server
// allocates a whole message at once.
import type postgres from "postgres";

const COPY_PIECE = 1 << 20;

export interface Copy {
  table: string;
  columns: string;
  /** Binary COPY data (header, rows, trailer) or rows of text, in pieces; none: nothing to copy. */
  data: Uint8Array[];
  binary?: boolean;
}

/** The COPYs that have data, sent now as one query (undefined when none has): await it for their outcome. */
export function copyAll(tx: postgres.TransactionSql, copies: Copy[]) {
  const sending = copies.filter((c) => c.data.length > 0);
  if (sending.length === 0) return undefined;
  const statement = sending
    .map(({ table, columns, binary }) => `COPY ${table} (${columns}) FROM STDIN${binary ? " (FORMAT binary)" : ""}`)
    .join(";\n");
  const options: postgres.UnsafeQueryOptions & { copyData: Uint8Array[][] } = { copyData: sending.map((c) => pieces(c.data)) };
  return tx.unsafe(statement, [], options).execute();
}

/** Rows of text COPY data, one piece each. */
export function textRows<T>(items: readonly T[], row: (item: T) => string): Uint8Array[] {
  return items.map((item) => Buffer.from(row(item)));
}

function pieces(data: Uint8Array[]) {
  return data.flatMap((piece) => {
    if (piece.length <= COPY_PIECE) return [piece];
    const parts = [];
    for (let at = 0; at < piece.length; at += COPY_PIECE) parts.push(piece.subarray(at, at + COPY_PIECE));
    return parts;
  });
}
