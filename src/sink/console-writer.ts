// The console mode, for debugging: ticks printed instead of stored, as pretty JSON, one-line JSON or a table.
// uint64 values print exactly (as strings in JSON, as digits in the table).
import { toJson } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { copyTimestamp } from "./copy-text.ts";

export const CONSOLE_FORMATS = ["json", "compact", "table"] as const;
export type ConsoleFormat = (typeof CONSOLE_FORMATS)[number];

/** A table line: the columns, each padded to its width, two spaces apart. */
const tableLine = (tick: string, timestamp: string, txs: string, output: string, batchHash: string) =>
  `${tick.padEnd(20)}  ${timestamp.padEnd(26)}  ${txs.padStart(4)}  ${output.padEnd(16)}  ${batchHash}\n`;

const TABLE_HEADER = tableLine("TICK", "TIMESTAMP (UTC)", "TXS", "VDF OUTPUT", "BATCH HASH");

function tableRow(tick: Tick) {
  const output = tick.vdfProof?.output ?? "";
  return tableLine(
    tick.tickNumber.toString(),
    copyTimestamp(tick.timestamp),
    String(tick.transactions.length),
    output.slice(0, 16),
    tick.transactionBatchHash.slice(0, 16),
  );
}

/** Printed once before the first tick. */
export const consoleHeader = (format: ConsoleFormat) => (format === "table" ? TABLE_HEADER : "");

export function formatTicks(format: ConsoleFormat, ticks: Tick[]): string {
  switch (format) {
    case "json":
      return ticks.map((t) => `${JSON.stringify(toJson(TickSchema, t), null, 2)}\n`).join("");
    case "compact":
      return ticks.map((t) => `${JSON.stringify(toJson(TickSchema, t))}\n`).join("");
    case "table":
      return ticks.map(tableRow).join("");
  }
}
