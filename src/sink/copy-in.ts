// Streams COPY data into a table: rows of text, gathered into pieces of about 1 MiB (a batch's data
// never has to be one string per table, which large ticks would push towards JavaScript's string
// limit), or binary COPY data (copy-binary.ts), sent as it lies in pieces of at most 1 MiB.
import { once } from "node:events";
import type postgres from "postgres";

const COPY_CHUNK = 1 << 20;

type CopyData = Iterable<string> | Iterable<Uint8Array>;

/** COPY `data` into `table` (`columns`) within the transaction; nothing is sent when there is none. */
export async function copyInto(tx: postgres.TransactionSql, table: string, columns: string, data: CopyData, binary = false) {
  let text = "";
  let stream: Awaited<ReturnType<ReturnType<postgres.TransactionSql["unsafe"]>["writable"]>> | undefined;
  const send = async (chunk: string | Uint8Array) => {
    stream ??= await tx.unsafe(`COPY ${table} (${columns}) FROM STDIN${binary ? " (FORMAT binary)" : ""}`).writable();
    if (!stream.write(chunk)) await once(stream, "drain");
  };
  for (const item of data) {
    if (typeof item !== "string") {
      for (let at = 0; at < item.length; at += COPY_CHUNK) await send(item.subarray(at, at + COPY_CHUNK));
      continue;
    }
    text += item;
    if (text.length >= COPY_CHUNK) {
      await send(text);
      text = "";
    }
  }
  if (text.length > 0) await send(text);
  if (!stream) return;
  const copy = stream;
  await new Promise<void>((resolve, reject) => {
    copy.once("error", reject);
    copy.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Each item as a row: a generator, so that a batch's rows are made as COPY takes them. */
export function* rowsOf<T>(items: Iterable<T>, row: (item: T) => string) {
  for (const item of items) yield row(item);
}
