// The simulate command's settings: short flags over SIM_ variables, and the fault list syntax.
import { expect, test } from "bun:test";
import { checkSimulator, faultsOf, simulatorFields } from "../../src/config/simulator.ts";
import { configLoader } from "../support/config.ts";

const { load, problemsOf } = configLoader(simulatorFields, checkSimulator);

test("--rate beats SIM_RATE; SIM_RATE works alone", () => {
  expect(load({ env: { SIM_RATE: "5" }, flags: { rate: "7" } }).rate).toBe(7);
  expect(load({ env: { SIM_RATE: "5" } }).rate).toBe(5);
  expect(problemsOf({ env: { SIM_RATE: "-1" } })).toEqual(['SIM_RATE="-1": expected a whole number']);
});

test("fault lists: ticks, TICK:ARG entries, spaces, and empty lists", () => {
  const config = load({
    flags: {
      omit: "51548050900, 51548050901",
      stall: "51548050902:1500ms",
      invalid: "51548050903:no-vdf,51548050904:unsigned-tx",
      hostile: "51548050905:max-nonce",
      garbage: "",
      dropEvery: "1000",
      exhaust: "51548050906",
      leap: "51548050907",
      junk: "51548050908:20",
    },
  });
  expect(faultsOf(config)).toEqual({
    dropEvery: 1000,
    omit: [51548050900n, 51548050901n],
    repeat: undefined,
    invalid: [
      { tick: 51548050903n, kind: "no-vdf" },
      { tick: 51548050904n, kind: "unsigned-tx" },
    ],
    garbage: [],
    stall: [{ tick: 51548050902n, ms: 1500 }],
    hostile: [{ tick: 51548050905n, kind: "max-nonce" }],
    exhaust: [51548050906n],
    leap: [51548050907n],
    junk: [{ tick: 51548050908n, count: 20 }],
    refuseGetTick: false,
  });
});

test("a bad fault entry or a fault before the first tick is reported with the flag", () => {
  expect(problemsOf({ flags: { stall: "51548050902:soon" } })).toEqual([
    '--stall="51548050902:soon": "51548050902:soon" is not like 51548050900:5s: expected a duration like 100ms, 2s or 1m',
  ]);
  expect(problemsOf({ flags: { repeat: "12" } })).toEqual(["--repeat: tick 12 is before the first tick 51548050841"]);
  expect(problemsOf({ flags: { firstTick: "0" } })).toEqual(['--first-tick="0": expected at least 1']);
});
