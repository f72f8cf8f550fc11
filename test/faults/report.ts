// What each fault scenario did and found: one line per scenario on the console and, when the
// runner (run.ts) names a file in FAULT_REPORT, one JSON line there for the suite's summary.
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface ScenarioReport {
  scenario: string;
  /** SIGKILLs of the ingester. */
  kills: number;
  /** SIGKILLs of PostgreSQL. */
  postgresKills: number;
  checked: number;
  stored: number;
  rejected: number;
  gaps: number;
  lost: number;
  duplicated: number;
  mismatched: number;
  seconds: number;
  /** What the scenario did, for the reader (timings, settings). */
  did: string;
}

const count = (n: number) => n.toLocaleString("en-US");

export function reportLine(r: ScenarioReport): string {
  return (
    `scenario ${r.scenario}: kills=${r.kills}${r.postgresKills ? ` postgres_kills=${r.postgresKills}` : ""} checked=${count(r.checked)} stored=${count(r.stored)} rejected=${r.rejected} ` +
    `gaps=${r.gaps} lost=${r.lost} duplicated=${r.duplicated} mismatched=${r.mismatched} (${r.seconds.toFixed(1)} s; ${r.did})`
  );
}

export function record(r: ScenarioReport) {
  console.log(reportLine(r));
  const file = process.env.FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(r)}\n`);
}

export function readReports(file: string): ScenarioReport[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ScenarioReport);
}

export function summaryLine(reports: ScenarioReport[]): string {
  const sum = (key: "kills" | "postgresKills" | "checked" | "lost" | "duplicated" | "mismatched") =>
    reports.reduce((total, r) => total + r[key], 0);
  return (
    `Fault suite: ${reports.length} scenarios, ${sum("kills")} kills of the ingester and ${sum("postgresKills")} of PostgreSQL (SIGKILL), ` +
    `${count(sum("checked"))} ticks checked, ` +
    `ticks lost = ${sum("lost")}, ticks duplicated = ${sum("duplicated")}, ticks mismatched = ${sum("mismatched")}`
  );
}
