// The database going away under load: PostgreSQL stopped for 30 s, killed with SIGKILL and
// restarted, and a SIGTERM to the ingester while the database is down; the stop and the kill also
// on TimescaleDB (shorter), writing into hypertables.
import { describe, expect, test } from "bun:test";
import { FIRST, scenario, seconds } from "./harness.ts";

const retries = (output: string) => output.match(/Batch write failed \(will retry\)/g)?.length ?? 0;

describe("database outages", () => {
  for (const { kind, outageSeconds, count } of [
    { kind: "postgres" as const, outageSeconds: 30, count: 120_000 },
    { kind: "timescale" as const, outageSeconds: 6, count: 24_000 },
  ]) {
    const server = kind === "timescale" ? "TimescaleDB" : "PostgreSQL";
    test(`${server} stopped for ${outageSeconds} s while ticks arrive at 3,000/s`, async () => {
      await scenario(`${kind}/stopped-${outageSeconds}s`, async (s) => {
        const pg = await s.postgres(kind);
        await s.database(pg);
        await s.stream({ count, rate: 3000 });
        const proc = s.ingester();
        await s.waitFor(FIRST + 3000n, proc);
        const before = await s.checkpoint();
        await pg.stop();
        await Bun.sleep(outageSeconds * 1000);
        await pg.start();
        await s.finish(proc, 120_000);
        await s.verify(
          `stopped at checkpoint +${before - FIRST} for ${outageSeconds} s and started again; ${retries(proc.output())} failed writes retried`,
        );
        expect(retries(proc.output())).toBeGreaterThan(0);
      });
    }, 240_000);
  }

  for (const { kind, kills, rate, seconds: streamSeconds } of [
    { kind: "postgres" as const, kills: 1, rate: 3000, seconds: 16 },
    { kind: "postgres" as const, kills: 2, rate: 5000, seconds: 16 },
    { kind: "timescale" as const, kills: 1, rate: 3000, seconds: 8 },
  ]) {
    const server = kind === "timescale" ? "TimescaleDB" : "PostgreSQL";
    test(`${server} killed with SIGKILL ${kills} time(s) and restarted, ${rate} ticks/s`, async () => {
      await scenario(`${kind}/sigkill-x${kills}`, async (s) => {
        const pg = await s.postgres(kind);
        await s.database(pg);
        await s.stream({ count: rate * streamSeconds, rate });
        const proc = s.ingester({ BATCH_SIZE: rate > 3000 ? "500" : "250" });
        const did: string[] = [];
        for (let k = 0; k < kills; k++) {
          const up = s.between(1500, 4000);
          const down = s.between(1000, 5000);
          await Bun.sleep(up);
          await s.killPostgres(pg);
          await Bun.sleep(down);
          await pg.start();
          did.push(`killed after ${seconds(up)} up, restarted after ${seconds(down)}`);
        }
        await s.finish(proc, 120_000);
        await s.verify(`${did.join("; ")}; ${retries(proc.output())} failed writes retried`);
        expect(retries(proc.output())).toBeGreaterThan(0);
      });
    }, 180_000);
  }

  for (const { shutdown, outage } of [
    { shutdown: 3000, outage: "stopped" as const },
    { shutdown: 5000, outage: "killed" as const },
  ]) {
    test(`SIGTERM while PostgreSQL is ${outage}: exits within SHUTDOWN_TIMEOUT=${shutdown / 1000}s, the next run completes`, async () => {
      await scenario(`postgres/sigterm-while-${outage}`, async (s) => {
        const pg = await s.postgres();
        await s.database(pg);
        await s.stream({ count: 40_000, rate: 3000 });
        const first = s.ingester({ SHUTDOWN_TIMEOUT: `${shutdown / 1000}s` });
        await s.waitFor(FIRST + 3000n, first);
        if (outage === "stopped") await pg.stop();
        else await s.killPostgres(pg);
        const deadline = Date.now() + 20_000;
        while (retries(first.output()) === 0 && Date.now() < deadline) await Bun.sleep(100);
        expect(retries(first.output())).toBeGreaterThan(0);
        const signalled = performance.now();
        first.proc.kill("SIGTERM");
        const code = await first.exited;
        const took = performance.now() - signalled;
        const output = first.output();
        // A clean exit, or the timeout reported: both are allowed while nothing can be committed.
        expect(code === 0 || output.includes("Pipeline shutdown timed out")).toBe(true);
        expect(took).toBeLessThan(shutdown + 2000);
        await pg.start();
        await s.finish(s.ingester(), 120_000);
        await s.verify(
          `database ${outage}, SIGTERM after a failed write: exit ${code} in ${seconds(took)} (SHUTDOWN_TIMEOUT ${seconds(shutdown)}); next run completed`,
        );
      });
    }, 180_000);
  }
});
