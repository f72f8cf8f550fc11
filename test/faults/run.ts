// `bun run test:faults`: the fault suite. Its files are named *.fault.ts so that the plain
// `bun test` does not pick them up; this runner builds the binary if it is stale, runs them with
// `bun test` (whose pass/fail counts it prints), and adds the suite's summary from the scenarios'
// reports. FAULT_SEED replays a run's random timings and ticks; extra arguments go to `bun test`
// (e.g. a file, or -t NAME).
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtBinary } from "../support/binary.ts";
import { readReports, reportLine, summaryLine } from "./report.ts";

const dir = import.meta.dir;
const seed = process.env.FAULT_SEED ?? String(Math.floor(Math.random() * 0xffff_ffff));
const report = join(tmpdir(), `tick-ingester-faults-${process.pid}.jsonl`);
rmSync(report, { force: true });

const started = performance.now();
const binary = builtBinary();
const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith(".fault.ts"))
  ? []
  : readdirSync(dir)
      .filter((f) => f.endsWith(".fault.ts"))
      .sort()
      .map((f) => `./${join("test/faults", f)}`);
console.log(`Fault suite: FAULT_SEED=${seed} (set it to replay), binary ${binary}`);
const tests = Bun.spawn(["bun", "test", "--timeout", "600000", ...files, ...args], {
  cwd: join(dir, "../.."),
  env: { ...process.env, FAULT_SEED: seed, FAULT_REPORT: report },
  stdio: ["inherit", "inherit", "inherit"],
});
const code = await tests.exited;

const reports = readReports(report);
rmSync(report, { force: true });
console.log("");
for (const r of reports) {
  console.log(`  ${reportLine(r)}`);
}
console.log(`${summaryLine(reports)} (${((performance.now() - started) / 1000).toFixed(0)} s, FAULT_SEED=${seed})`);
const broken = reports.some((r) => r.lost + r.duplicated + r.mismatched > 0);
process.exit(code !== 0 || broken || reports.length === 0 ? 1 : 0);
