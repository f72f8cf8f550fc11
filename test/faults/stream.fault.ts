// The stream misbehaving: dropped by the server every few hundred ticks, and stalled for longer
// than STREAM_IDLE_TIMEOUT (the ingester must give up on it, reconnect and resume where it is).
import { describe, expect, test } from "bun:test";
import { FIRST, scenario } from "./harness.ts";

const reconnects = (output: string) => output.match(/Stream error \(will reconnect\)/g)?.length ?? 0;

describe("stream faults", () => {
  for (const { dropEvery, count, rate } of [
    { dropEvery: 300, count: 15_000, rate: 0 },
    { dropEvery: 700, count: 21_000, rate: 4000 },
  ]) {
    test(`dropped every ${dropEvery} ticks${rate ? `, produced at ${rate}/s` : ""}`, async () => {
      await scenario(`drop/every-${dropEvery}`, async (s) => {
        await s.database();
        await s.stream({ count, rate, faults: { dropEvery } });
        const proc = s.ingester();
        await s.finish(proc);
        const drops = count / dropEvery;
        await s.verify(
          `stream ended with UNAVAILABLE every ${dropEvery} ticks (${drops} drops), ${reconnects(proc.output())} reconnects; rate ${rate}`,
        );
        expect(reconnects(proc.output())).toBeGreaterThanOrEqual(drops - 1);
      });
    }, 120_000);
  }

  for (const { idle, stalls, rate } of [
    { idle: "2s", stalls: [{ at: 3000n, ms: 5000 }], rate: 0 },
    {
      idle: "1s",
      stalls: [
        { at: 1500n, ms: 3000 },
        { at: 9000n, ms: 2500 },
      ],
      rate: 3000,
    },
  ]) {
    const described = stalls.map((st) => `${st.ms / 1000} s at +${st.at}`).join(" and ");
    test(`stalled ${described} with STREAM_IDLE_TIMEOUT=${idle}`, async () => {
      await scenario(`stall/idle-${idle}`, async (s) => {
        await s.database();
        await s.stream({ count: 12_000, rate, faults: { stall: stalls.map((st) => ({ tick: FIRST + st.at, ms: st.ms })) } });
        const proc = s.ingester({ STREAM_IDLE_TIMEOUT: idle });
        await s.finish(proc);
        const idleMs = Number.parseInt(idle, 10) * 1000;
        const gaveUp = proc.output().match(new RegExp(`no tick for ${idleMs}ms`, "g"))?.length ?? 0;
        await s.verify(
          `stream stalled ${described}; STREAM_IDLE_TIMEOUT ${idle}: gave up on the stalled stream ${gaveUp} times; rate ${rate}`,
        );
        // Each stall makes one; the idle stream after the last tick may add more.
        expect(gaveUp).toBeGreaterThanOrEqual(stalls.length);
      });
    }, 120_000);
  }
});
