// The stream reader against real gRPC servers over loopback.
import { afterEach, expect, test } from "bun:test";
import { createServer } from "node:net";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { ContinuumClient } from "../../src/source/continuum-client.ts";
import { runTickStream } from "../../src/source/tick-stream.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function read(address: string, until: (events: string[]) => boolean) {
  const client = new ContinuumClient(address);
  cleanup.push(() => client.close());
  const abort = new AbortController();
  const events: string[] = [];
  const done = runTickStream(client, {
    resumeFrom: () => 0n,
    onTick: () => void events.push("tick"),
    onTooLarge: () => void events.push("too large"),
    signal: abort.signal,
    idleTimeoutMs: 10_000,
    backoffMinMs: 10,
    backoffMaxMs: 50,
    onConnect: () => void events.push("connect"),
    onDisconnect: () => void events.push("disconnect"),
  });
  const deadline = Date.now() + 20_000;
  while (!until(events) && Date.now() < deadline) await Bun.sleep(20);
  abort.abort();
  await done;
  return events;
}

test("a connection attempt that fails is not a connection: /ready's grace runs from the loss, not the last attempt", async () => {
  const events = await read(`127.0.0.1:${await closedPort()}`, (e) => e.filter((x) => x === "disconnect").length >= 5);
  expect(events.filter((x) => x === "disconnect").length).toBeGreaterThanOrEqual(5);
  expect(events).not.toContain("connect");
});

test("the stream is connected when its first tick arrives", async () => {
  const sim = await startSimulator(simulatorDefaults({ rate: 0 }));
  cleanup.push(() => sim.stop());
  const events = await read(sim.address, (e) => e.length >= 3);
  expect(events.slice(0, 3)).toEqual(["connect", "tick", "tick"]);
});
