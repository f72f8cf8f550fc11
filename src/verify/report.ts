// What verify prints: one line per problem as it is found and a summary on standard output (or
// one JSON object with --output json), and a progress line on standard error while it runs.
import type { Problem } from "./check.ts";

export interface Totals {
  first: bigint;
  last: bigint;
  checked: number;
  stored: number;
  rejected: number;
  gaps: number;
  unverifiable: number;
  repaired: number;
  seconds: number;
}

export interface ReportedProblem extends Problem {
  /** With --repair: whether it was put right, or why not. */
  repair?: { done: true } | { done: false; reason: string };
}

const count = (n: number) => n.toLocaleString("en-US");

export function problemLine(p: ReportedProblem): string {
  const repair = p.repair === undefined ? "" : p.repair.done ? " [repaired]" : ` [not repaired: ${p.repair.reason}]`;
  return `tick ${p.tick}: ${p.kind}: ${p.detail}${repair}`;
}

export function summaryLine(t: Totals, problems: ReportedProblem[], repair: boolean): string {
  const ticks = new Set(problems.map((p) => p.tick)).size;
  const left = new Set(problems.filter((p) => p.repair?.done !== true).map((p) => p.tick)).size;
  const outcome =
    problems.length === 0
      ? "no problems"
      : `${count(problems.length)} problems in ${count(ticks)} ticks` +
        (repair ? `, ${count(t.repaired)} ticks repaired, ${count(left)} left as they are` : "");
  return (
    `verify ${t.first}-${t.last}: ${count(t.checked)} ticks checked in ${t.seconds.toFixed(1)} s ` +
    `(${count(Math.round(t.checked / Math.max(t.seconds, 0.001)))}/s): ` +
    `${count(t.stored)} stored as served, ${count(t.rejected)} rejected, ${count(t.gaps)} in gaps, ` +
    `${count(t.unverifiable)} older than the sequencer's history (rows checked for consistency only); ${outcome}`
  );
}

export function jsonReport(t: Totals, problems: ReportedProblem[]): string {
  const { first, last, ...rest } = t;
  return JSON.stringify(
    { first: String(first), last: String(last), ...rest, ticks_per_second: Math.round(t.checked / Math.max(t.seconds, 0.001)), problems },
    (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
}

/** Every `intervalMs`: ticks checked, per second, time left. */
export function startProgress(total: number, checked: () => number, intervalMs = 2_000) {
  const started = performance.now();
  const timer = setInterval(() => {
    const done = checked();
    if (done === 0) return;
    const perSecond = done / ((performance.now() - started) / 1000);
    const left = perSecond > 0 ? Math.round((total - done) / perSecond) : undefined;
    process.stderr.write(
      `verify: ${count(done)} of ${count(total)} ticks checked (${Math.floor((done / total) * 100)}%), ` +
        `${count(Math.round(perSecond))}/s, ${left === undefined ? "?" : `${left} s`} left\n`,
    );
  }, intervalMs);
  return () => clearInterval(timer);
}
