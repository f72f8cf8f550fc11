// The stream reader against real gRPC servers over loopback.
import { afterEach, expect, test } from "bun:test";
import { createServer } from "node:net";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { status } from "@grpc/grpc-js";
import { ContinuumClient, MAX_TICK_BYTES } from "../../src/source/continuum-client.ts";
import { runTickStream } from "../../src/source/tick-stream.ts";
import { end, framed, respond, startRawGrpcServer, writeEach } from "../support/raw-grpc-server.ts";

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

test("a message over the limit: the ticks before it, then onTooLarge with grpc-js's words; an overload's RESOURCE_EXHAUSTED is no such thing", async () => {
  let calls = 0;
  const server = await startRawGrpcServer(async ({ stream }) => {
    respond(stream);
    const oversize = ++calls === 1;
    await writeEach(stream, [framed(new Uint8Array(10)), ...(oversize ? [framed(new Uint8Array(MAX_TICK_BYTES + 1))] : [])]);
    end(stream, status.RESOURCE_EXHAUSTED, "too many streams");
  });
  cleanup.push(() => server.stop());
  const client = new ContinuumClient(server.address);
  cleanup.push(() => client.close());
  const abort = new AbortController();
  const events: string[] = [];
  await runTickStream(client, {
    resumeFrom: () => 0n,
    onTick: () => void events.push("tick"),
    onTooLarge: (detail) => void events.push(`too large: ${detail}`),
    signal: abort.signal,
    idleTimeoutMs: 10_000,
    backoffMinMs: 10,
    onDisconnect: (reason) => {
      events.push(reason);
      if (calls === 2) abort.abort();
    },
  });
  const limit = `Received message larger than max (${MAX_TICK_BYTES + 1} vs ${MAX_TICK_BYTES})`;
  expect(events).toEqual(["tick", `too large: ${limit}`, `RESOURCE_EXHAUSTED: ${limit}`, "tick", "RESOURCE_EXHAUSTED: too many streams"]);
}, 20_000);

test("a handler that fails ends the reader with its error, and no tick is handed over after it", async () => {
  const sim = await startSimulator(simulatorDefaults({ rate: 0 }));
  cleanup.push(() => sim.stop());
  const client = new ContinuumClient(sim.address);
  cleanup.push(() => client.close());
  let ticks = 0;
  const failed = runTickStream(client, {
    resumeFrom: () => 0n,
    onTick: () => (++ticks === 100 ? Promise.reject(new Error("the sink broke")) : ticks === 50 ? Bun.sleep(50) : undefined),
    onTooLarge: () => {},
    signal: new AbortController().signal,
    idleTimeoutMs: 10_000,
  });
  expect(await failed.catch((error: Error) => error.message)).toBe("the sink broke");
  await Bun.sleep(200);
  expect(ticks).toBe(100);
});
