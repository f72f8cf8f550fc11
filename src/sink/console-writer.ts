// The console mode, for debugging: ticks printed instead of stored, as pretty JSON, one-line JSON or a table.
// uint64 values print exactly (as strings in JSON, as digits in the table).
import { toJson } from "@bufbuild/protobuf";
import { TickSchema, type Tick } from "../gen/continuum/sequencer/v1/sequencer_pb.ts";
import { copyTimestamp } from "./copy-text.ts";

export const CONSOLE_FORMATS = ["json", "compact", "table"] as const;
export type ConsoleFormat = (typeof CONSOLE_FORMATS)[number];

const TABLE_HEADER = `${"TICK".padEnd(20)}  ${"TIMESTAMP (UTC)".padEnd(26)}  ${"TXS".padStart(4)}  ${"VDF OUTPUT".padEnd(16)}  BATCH HASH\n`;

function tableRow(tick: Tick) {
  const output = tick.vdfProof?.output ?? "";
  return `${tick.tickNumber.toString().padEnd(20)}  ${copyTimestamp(tick.timestamp).padEnd(26)}  ${String(tick.transactions.length).padStart(4)}  ${output.slice(0, 16).padEnd(16)}  ${tick.transactionBatchHash.slice(0, 16)}\n`;
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
