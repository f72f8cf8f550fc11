// Memory stays bounded during a database outage: the pipeline stops reading the stream once
// BUFFER_SIZE ticks are in flight, and resumes when the database is back. The RSS series is
// printed; only generous bounds are asserted (bench/outage.ts runs the two-minute version).
import { expect, test } from "bun:test";
import { scenario } from "./harness.ts";
import { outageFigures, sampleOutage, sampleTable } from "./outage.ts";

const BUFFER_SIZE = 10_000;

test("a 15 s database outage under a stream served as fast as it is read: the stream pauses, memory stays flat", async () => {
  await scenario("postgres/outage-memory-15s", async (s) => {
    const samples = await sampleOutage(s, { outageMs: 15_000, sampleEveryMs: 1000, count: 200_000, bufferSize: BUFFER_SIZE });
    console.log(sampleTable(samples));
    const figures = outageFigures(samples);
    await s.verify(
      `PostgreSQL stopped 15 s, BUFFER_SIZE ${BUFFER_SIZE}: VmRSS ${figures.rssBeforeMb.toFixed(0)} MB just before, ` +
        `peak ${figures.rssPeakMb.toFixed(0)} MB; the stream moved ${figures.streamedDuringOutage} ticks from just before the outage to its end, ${figures.streamedInSecondHalf} in its second half`,
    );
    expect(figures.rssGrowthMb).toBeLessThan(200);
    expect(figures.streamedInSecondHalf).toBeLessThan(BigInt(BUFFER_SIZE));
  });
}, 240_000);
