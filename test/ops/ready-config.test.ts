// The readiness bounds as the user sets them.
import { expect, test } from "bun:test";
import { checkIngester, ingesterFields } from "../../src/config/ingester.ts";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

const required = { CONTINUUM_GRPC_URL: "localhost:50051", DATABASE_URL: "postgres://u:pw@db:5432/ticks" };
const load = (env: Record<string, string>) => loadConfig(ingesterFields, { env: { ...required, ...env }, flags: {} }, checkIngester);

test("READY_MAX_LAG defaults to 10s and READY_RECONNECT_GRACE to 30s, in milliseconds", () => {
  expect(load({})).toMatchObject({ readyMaxLag: 10_000, readyReconnectGrace: 30_000 });
  expect(load({ READY_MAX_LAG: "500ms", READY_RECONNECT_GRACE: "2m" })).toMatchObject({ readyMaxLag: 500, readyReconnectGrace: 120_000 });
});

test("a bad READY_MAX_LAG is rejected naming the variable and the value", () => {
  expect(() => load({ READY_MAX_LAG: "10" })).toThrow(ConfigError);
  expect(() => load({ READY_MAX_LAG: "10" })).toThrow('READY_MAX_LAG="10"');
});
