// /ready's decision from the pipeline's observations.
import { expect, test } from "bun:test";
import { evaluateReadiness } from "../../src/ops/readiness.ts";

const limits = { maxLagSeconds: 10, reconnectGraceMs: 30_000 };
const now = 1_768_028_416_704;
const allWell = { databaseReachable: true, streamConnected: true, lagSeconds: 0.05, now } as const;

test("ready when the database answers, the stream is connected and the lag is under the bound", () => {
  expect(evaluateReadiness(allWell, limits)).toEqual({ state: "ready" });
});

test("ready before the first commit: no lag is known yet", () => {
  expect(evaluateReadiness({ ...allWell, lagSeconds: undefined }, limits)).toEqual({ state: "ready" });
});

test("a stream reconnecting within the grace period is still ready; past it, not", () => {
  const reconnecting = { ...allWell, streamConnected: false, disconnectedSinceMs: now - 29_000 };
  expect(evaluateReadiness(reconnecting, limits)).toEqual({ state: "ready" });
  expect(evaluateReadiness({ ...reconnecting, disconnectedSinceMs: now - 45_000 }, limits)).toEqual({
    state: "not_ready",
    failed: { stream: "disconnected for 45s (grace 30s)" },
  });
});

test("a stream that never connected is not ready", () => {
  expect(evaluateReadiness({ ...allWell, streamConnected: false }, limits)).toEqual({
    state: "not_ready",
    failed: { stream: "not connected yet" },
  });
});

test("every failed check is named, with the database probe's reason", () => {
  const report = evaluateReadiness(
    {
      databaseReachable: "db:5432: connect ECONNREFUSED",
      streamConnected: false,
      disconnectedSinceMs: now - 60_000,
      lagSeconds: 12.5,
      now,
    },
    limits,
  );
  expect(report).toEqual({
    state: "not_ready",
    failed: {
      database: "db:5432: connect ECONNREFUSED",
      stream: "disconnected for 60s (grace 30s)",
      lag: "12.5s behind the stream (limit 10s)",
    },
  });
  expect(evaluateReadiness({ ...allWell, databaseReachable: false }, limits)).toEqual({
    state: "not_ready",
    failed: { database: "unreachable" },
  });
});

test("lag exactly at the bound is still ready", () => {
  expect(evaluateReadiness({ ...allWell, lagSeconds: 10 }, limits)).toEqual({ state: "ready" });
});

test("GetTick refused is not ready at once; other GetTick failures only past the grace period", () => {
  const refused = { ...allWell, getTickFailing: { sinceMs: now - 2000, code: "PERMISSION_DENIED", reason: "not for you" } };
  expect(evaluateReadiness(refused, limits)).toEqual({
    state: "not_ready",
    failed: { get_tick: "GetTick failing for 2s: PERMISSION_DENIED: not for you" },
  });
  const unavailable = { ...allWell, getTickFailing: { sinceMs: now - 2000, code: "UNAVAILABLE", reason: "connection refused" } };
  expect(evaluateReadiness(unavailable, limits)).toEqual({ state: "ready" });
  expect(evaluateReadiness({ ...unavailable, getTickFailing: { ...unavailable.getTickFailing, sinceMs: now - 31_000 } }, limits)).toEqual({
    state: "not_ready",
    failed: { get_tick: "GetTick failing for 31s: UNAVAILABLE: connection refused" },
  });
});
