// Streams rows of COPY text into a table, in pieces of about 1 MiB: a batch's data never has to be
// one string per table, which large ticks would push towards JavaScript's string limit.
import { once } from "node:events";
import type postgres from "postgres";

const COPY_CHUNK_CHARS = 1 << 20;

/** COPY `rows` into `table` (`columns`) within the transaction; nothing is sent when there are none. */
export async function copyInto(tx: postgres.TransactionSql, table: string, columns: string, rows: Iterable<string>) {
  let chunk = "";
  let stream: Awaited<ReturnType<ReturnType<postgres.TransactionSql["unsafe"]>["writable"]>> | undefined;
  const send = async () => {
    stream ??= await tx.unsafe(`COPY ${table} (${columns}) FROM STDIN`).writable();
    if (!stream.write(chunk)) await once(stream, "drain");
    chunk = "";
  };
  for (const row of rows) {
    chunk += row;
    if (chunk.length >= COPY_CHUNK_CHARS) await send();
  }
  if (chunk.length > 0) await send();
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
