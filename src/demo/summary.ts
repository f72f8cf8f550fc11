// What the demo prints at the end: what this run stored, what the database holds, whether every
// tick is there once, a tick read back through get_tick_by_number, and how to look for yourself.
import type { Accounting, RowCounts, SampleTick } from "./database.ts";
import { count } from "./status.ts";

export interface Summary {
  seconds: number;
  /** The checkpoint this run started from; undefined on a first run. */
  resumedFrom?: bigint;
  before: RowCounts;
  after: RowCounts;
  accounting?: Accounting;
  sample?: SampleTick;
  demoDir: string;
  /** The command that runs this demo again (with its --dir, if any). */
  command: string;
  psqlUrl: string;
}

const difference = (after: RowCounts, before: RowCounts): RowCounts => ({
  ticks: after.ticks - before.ticks,
  vdfProofs: after.vdfProofs - before.vdfProofs,
  transactions: after.transactions - before.transactions,
});

const rows = (c: RowCounts) => `${count(c.ticks)} ticks, ${count(c.vdfProofs)} VDF proofs, ${count(c.transactions)} transactions`;

function formatSample(sample: SampleTick): string[] {
  const width = Math.max(...Object.keys(sample).map((k) => k.length));
  return Object.entries(sample).map(
    ([key, value]) => `    ${key.padEnd(width)}  ${value instanceof Date ? value.toISOString() : String(value)}`,
  );
}

export function formatSummary(s: Summary): string {
  const stored = difference(s.after, s.before);
  const lines = [
    "",
    "Summary",
    s.resumedFrom === undefined
      ? `  First run: started at the head of the simulated chain and ran ${s.seconds.toFixed(0)} s.`
      : `  Resumed from tick ${s.resumedFrom} (the checkpoint the last run left) and ran ${s.seconds.toFixed(0)} s.`,
    `  Stored by this run: ${rows(stored)} (${count(Math.round(Number(stored.ticks) / Math.max(1, s.seconds)))} ticks/s).`,
    `  In the database:    ${rows(s.after)}.`,
  ];
  const a = s.accounting;
  if (a) {
    lines.push(
      `  Exactly once: of the ${count(a.end - a.first)} ticks ${a.first} to ${a.end - 1n}, ` +
        `${count(a.stored)} are stored once, ${count(a.rejected)} rejected ` +
        `(tick_rejects), ${count(a.inGaps)} missing from the sequencer (tick_gaps); ` +
        `${count(a.missing)} lost, ${count(a.storedTwice)} stored twice; ` +
        `${count(a.chainBreaks)} chain breaks (chain_breaks).`,
      `  Checkpoint: every tick below ${a.end} is committed; the next run starts there.`,
    );
  }
  if (s.sample) lines.push(`  A tick read back with get_tick_by_number(${String(s.sample.tick_number)}):`, ...formatSample(s.sample));
  lines.push(
    `  The data stays in ${s.demoDir}: \`${s.command}\` again resumes from the checkpoint; \`${s.command} --reset\` starts over.`,
    `  While the demo runs, connect with psql (the password is the demo's own): psql ${s.psqlUrl}`,
  );
  return lines.join("\n");
}
