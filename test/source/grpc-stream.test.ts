// The lean StreamTicks reader over real HTTP/2 on loopback: against a hand-written server that
// chooses its DATA frames, compression, statuses and failures (test/support/raw-grpc-server.ts),
// against the simulator (a grpc-js server), and beside grpc-js's own client where both must agree.
import { afterEach, expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { deflateSync, gzipSync } from "node:zlib";
import { status as Status } from "@grpc/grpc-js";
import { simulatorDefaults, startSimulator } from "../../src/simulator/index.ts";
import { ContinuumClient, isMessageTooLarge, MAX_TICK_BYTES } from "../../src/source/continuum-client.ts";
import type { CallStatus } from "../../src/source/grpc-status.ts";
import { openServerStream, type Http2Target, type ServerStreamHandlers } from "../../src/source/grpc-stream.ts";
import { end, framed, respond, startRawGrpcServer, writeEach, type RawCall } from "../support/raw-grpc-server.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const message = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
const target = (address: string, keepalive = { intervalMs: 10_000, timeoutMs: 5_000 }): Http2Target => ({
  origin: `http://${address}`,
  keepalive,
  maxMessageBytes: MAX_TICK_BYTES,
});

async function rawServer(serve: (call: RawCall) => void | Promise<void>) {
  const server = await startRawGrpcServer(serve);
  cleanup.push(() => server.stop());
  return server;
}

/** Reads one call to its end: every message (copied) and the status. */
function readAll(address: string, options: { keepalive?: Http2Target["keepalive"]; onMessage?: ServerStreamHandlers["onMessage"] } = {}) {
  const messages: Uint8Array[] = [];
  return new Promise<{ messages: Uint8Array[]; status: CallStatus }>((resolve) => {
    const call = openServerStream(
      target(address, options.keepalive),
      "/continuum.sequencer.v1.SequencerService/StreamTicks",
      message(3, 0),
      {
        onMessage: (bytes) => {
          messages.push(bytes.slice());
          return options.onMessage?.(bytes);
        },
        onEnd: (status) => resolve({ messages, status }),
      },
    );
    cleanup.push(() => call.cancel());
  });
}

/** The same call read by grpc-js (ContinuumClient.streamTicks), for the cases where both must agree. */
function readAllWithGrpcJs(address: string) {
  const client = new ContinuumClient(address);
  cleanup.push(() => client.close());
  const messages: Uint8Array[] = [];
  return new Promise<{ messages: Uint8Array[]; status: CallStatus }>((resolve) => {
    const call = client.streamTicks(0n);
    call.on("data", (bytes: Uint8Array) => messages.push(Uint8Array.from(bytes)));
    call.on("error", () => {});
    call.on("status", ({ code, details }) => resolve({ messages, status: { code, details } }));
  });
}

test("the request: POST to the method's path with gRPC's headers and the framed request message", async () => {
  const server = await rawServer(({ stream }) => {
    respond(stream);
    end(stream);
  });
  const { status } = await readAll(server.address);
  expect(status).toEqual({ code: Status.OK, details: "" });
  const [call] = server.calls;
  expect(call!.headers[":method"]).toBe("POST");
  expect(call!.headers[":path"]).toBe("/continuum.sequencer.v1.SequencerService/StreamTicks");
  expect(call!.headers["content-type"]).toBe("application/grpc");
  expect(call!.headers.te).toBe("trailers");
  expect(call!.headers["grpc-accept-encoding"]).toBe("identity,deflate,gzip");
  expect(Array.from(call!.request)).toEqual(Array.from(message(3, 0)));
});

test("messages split across DATA frames, many in one frame, and one over several frames all arrive whole and in order", async () => {
  const split = [message(10, 1), message(0, 2), message(300, 3)];
  const packed = Array.from({ length: 50 }, (_, i) => message(i * 7, i));
  const large = message(100_000, 9);
  const server = await rawServer(async ({ stream }) => {
    respond(stream);
    const bytes = Buffer.concat(split.map((m) => framed(m)));
    // Cuts inside the first prefix, between prefix and body, inside bodies, and after the empty message.
    await writeEach(stream, [bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5, 9), bytes.subarray(9, 20), bytes.subarray(20)]);
    await writeEach(stream, [Buffer.concat(packed.map((m) => framed(m))), framed(large)]);
    end(stream);
  });
  const { messages, status } = await readAll(server.address);
  expect(status.code).toBe(Status.OK);
  expect(messages).toEqual([...split, ...packed, large]);
});

for (const [encoding, compress] of [
  ["gzip", gzipSync],
  ["deflate", deflateSync],
] as const) {
  test(`${encoding}: compressed messages are decompressed, plain ones between them pass as they are, as grpc-js reads them`, async () => {
    const messages = [message(5_000, 1), message(40, 2), message(0, 3), message(70_000, 4)];
    const server = await rawServer(async ({ stream }) => {
      respond(stream, { "grpc-encoding": encoding });
      await writeEach(
        stream,
        messages.map((m, i) => (i === 1 ? framed(m) : framed(compress(m), true))),
      );
      end(stream);
    });
    const lean = await readAll(server.address);
    expect(lean.status.code).toBe(Status.OK);
    expect(lean.messages).toEqual(messages);
    expect(await readAllWithGrpcJs(server.address)).toEqual(lean);
  });
}

test("a message over 16 MiB ends the call with RESOURCE_EXHAUSTED that isMessageTooLarge recognises, after the messages before it; 16 MiB itself passes", async () => {
  const server = await rawServer(async ({ stream }) => {
    respond(stream);
    await writeEach(stream, [
      framed(message(100, 1)),
      framed(new Uint8Array(MAX_TICK_BYTES).fill(7)),
      framed(new Uint8Array(MAX_TICK_BYTES + 1)),
    ]);
    end(stream);
  });
  const { messages, status } = await readAll(server.address);
  expect(status).toEqual({
    code: Status.RESOURCE_EXHAUSTED,
    details: `Received message larger than max (${MAX_TICK_BYTES + 1} vs ${MAX_TICK_BYTES})`,
  });
  expect(isMessageTooLarge(status)).toBe(true);
  expect(messages.map((m) => m.length)).toEqual([100, MAX_TICK_BYTES]);
  expect(messages[1]!.every((b) => b === 7)).toBe(true);
}, 30_000);

test("a compressed message that decompresses to over 16 MiB ends the call as grpc-js ends it; one of 16 MiB passes", async () => {
  const server = await rawServer(async ({ stream }) => {
    respond(stream, { "grpc-encoding": "gzip" });
    await writeEach(stream, [
      framed(gzipSync(new Uint8Array(MAX_TICK_BYTES)), true),
      framed(gzipSync(new Uint8Array(MAX_TICK_BYTES + 1)), true),
    ]);
    end(stream);
  });
  const lean = await readAll(server.address);
  expect(lean.status).toEqual({
    code: Status.RESOURCE_EXHAUSTED,
    details: `Received message that decompresses to a size larger than ${MAX_TICK_BYTES}`,
  });
  expect(isMessageTooLarge(lean.status)).toBe(true);
  expect(lean.messages.map((m) => m.length)).toEqual([MAX_TICK_BYTES]);
  expect((await readAllWithGrpcJs(server.address)).status).toEqual(lean.status);
}, 30_000);

test("a compressed message under grpc-encoding identity, or garbage under gzip, ends the call as INTERNAL", async () => {
  let garbage = false;
  const server = await rawServer(({ stream }) => {
    respond(stream, garbage ? { "grpc-encoding": "gzip" } : {});
    stream.write(framed(message(10, 1), true));
    end(stream);
  });
  expect((await readAll(server.address)).status).toEqual({
    code: Status.INTERNAL,
    details: 'Received compressed message but "grpc-encoding" header was identity',
  });
  garbage = true;
  const { status, messages } = await readAll(server.address);
  expect(status.code).toBe(Status.INTERNAL);
  expect(status.details).toStartWith("Failed to decompress gzip-encoded message");
  expect(messages).toEqual([]);
});

test("a trailers-only response: the status in its headers, grpc-message percent-decoded; not a too-large message", async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-status": "8", "grpc-message": "too%20many%20streams%3A%20%E2%9C%93" },
      { endStream: true },
    );
  });
  const { status, messages } = await readAll(server.address);
  expect(messages).toEqual([]);
  expect(status).toEqual({ code: Status.RESOURCE_EXHAUSTED, details: "too many streams: ✓" });
  expect(isMessageTooLarge(status)).toBe(false);
});

test("a status in trailers after messages; a malformed percent escape leaves grpc-message as sent", async () => {
  const server = await rawServer(({ stream }) => {
    respond(stream);
    stream.write(framed(message(4, 1)));
    end(stream, Status.UNAVAILABLE, "restarting: 100%");
  });
  const { status, messages } = await readAll(server.address);
  expect(messages).toEqual([message(4, 1)]);
  expect(status).toEqual({ code: Status.UNAVAILABLE, details: "restarting: 100%" });
});

test("an HTTP error without a gRPC status is mapped as the gRPC spec says", async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond({ ":status": 503, "content-type": "text/html" });
    stream.end("<html>busy</html>");
  });
  expect((await readAll(server.address)).status).toEqual({ code: Status.UNAVAILABLE, details: "Received HTTP status code 503" });
});

test("RST_STREAM from the server mid-stream: INTERNAL, after the messages before it", async () => {
  const server = await rawServer(async ({ stream }) => {
    respond(stream);
    await writeEach(stream, [framed(message(20, 1)), framed(message(20, 2)).subarray(0, 9)]);
    stream.destroy(new Error("reset")); // RST_STREAM with INTERNAL_ERROR (close() would end the stream first)
  });
  const { status, messages } = await readAll(server.address);
  expect(messages).toEqual([message(20, 1)]);
  expect(status.code).toBe(Status.INTERNAL);
  expect(status.details).toContain("RST_STREAM with code 2");
});

test("the connection cut mid-message: UNAVAILABLE, the whole messages before it delivered, the half one not", async () => {
  const server = await rawServer(async ({ stream, cut }) => {
    respond(stream);
    await writeEach(stream, [framed(message(20, 1)), framed(message(2_000, 2)).subarray(0, 1_000)]);
    setTimeout(cut, 200); // a write's callback comes before its bytes are on the wire
  });
  const { status, messages } = await readAll(server.address);
  expect(messages).toEqual([message(20, 1)]);
  expect(status.code).toBe(Status.UNAVAILABLE);
});

test("a response that ends inside a message, with status OK, is not OK", async () => {
  const server = await rawServer(async ({ stream }) => {
    respond(stream);
    await writeEach(stream, [framed(message(20, 1)), framed(message(20, 2)).subarray(0, 12)]);
    end(stream);
  });
  const { status, messages } = await readAll(server.address);
  expect(messages).toEqual([message(20, 1)]);
  expect(status).toEqual({ code: Status.INTERNAL, details: "The response ended inside a message" });
});

test("nothing listening: UNAVAILABLE naming the connection's error", async () => {
  const server = await rawServer(() => {});
  const address = server.address;
  await server.stop();
  const { status } = await readAll(address);
  expect(status.code).toBe(Status.UNAVAILABLE);
  expect(status.details).toContain("ECONNREFUSED");
});

/** A TCP proxy that can go silent: it keeps both connections open and forwards nothing more. */
async function freezingProxy(upstreamAddress: string) {
  const [host, port] = upstreamAddress.split(":");
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(port), host!);
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => frozen || upstream.write(chunk));
    upstream.on("data", (chunk) => frozen || client.write(chunk));
    for (const s of [client, upstream]) s.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, freeze: () => (frozen = true) };
}

test("keepalive: a server that stops answering PINGs ends the call as UNAVAILABLE; one that answers keeps it", async () => {
  const server = await rawServer(({ stream }) => {
    respond(stream);
    stream.write(framed(message(8, 1))); // and nothing more: the stream stays open
  });
  const proxy = await freezingProxy(server.address);
  const keepalive = { intervalMs: 200, timeoutMs: 300 };
  let ended = false;
  const answered = readAll(proxy.address, { keepalive }).finally(() => (ended = true));
  await Bun.sleep(1_500); // several PINGs, each answered
  expect(ended).toBe(false);
  proxy.freeze();
  const { status, messages } = await answered;
  expect(messages).toEqual([message(8, 1)]);
  expect(status).toEqual({ code: Status.UNAVAILABLE, details: "No answer to a keepalive PING within 300ms" });
}, 15_000);

test("while a handler's promise is pending no message is handed over and HTTP/2 flow control stops the sender", async () => {
  const sim = await startSimulator(simulatorDefaults({ rate: 0 }));
  cleanup.push(() => sim.stop());
  let release!: () => void;
  const pending = new Promise<void>((resolve) => (release = resolve));
  let handled = 0;
  let waiting = false;
  let overlapped = false;
  const client = new ContinuumClient(sim.address);
  cleanup.push(() => client.close());
  const call = client.readTicks(0n, {
    onMessage: () => {
      if (waiting) overlapped = true;
      if (++handled !== 1_000) return;
      waiting = true;
      return pending.then(() => void (waiting = false));
    },
    onEnd: () => {},
  });
  cleanup.push(() => call.cancel());
  while (handled < 1_000) await Bun.sleep(20);
  await Bun.sleep(500);
  const head = sim.head();
  await Bun.sleep(1_000);
  expect(sim.head()).toBe(head); // the server produces only what it can send
  expect(handled).toBe(1_000);
  release();
  while (handled < 5_000) await Bun.sleep(20);
  expect(overlapped).toBe(false);
}, 20_000);

test("a call that fails while a handler is busy ends only once the handler has settled", async () => {
  const server = await rawServer(async ({ stream, cut }) => {
    respond(stream);
    await writeEach(stream, [framed(message(8, 1)), framed(message(8, 2))]);
    setTimeout(cut, 100);
  });
  const events: string[] = [];
  const { status } = await readAll(server.address, {
    onMessage: () => {
      events.push("message");
      return Bun.sleep(600).then(() => void events.push("settled"));
    },
  }).finally(() => events.push("end"));
  expect(status.code).toBe(Status.UNAVAILABLE);
  expect(events).toEqual(["message", "settled", "end"]);
});

test("cancel ends the call as CANCELLED, once", async () => {
  const server = await rawServer(({ stream }) => {
    respond(stream);
    stream.write(framed(message(8, 1)));
  });
  const ends: CallStatus[] = [];
  await new Promise<void>((resolve) => {
    const call = openServerStream(target(server.address), "/x", new Uint8Array(0), {
      onMessage: () => {
        call.cancel();
        call.cancel();
      },
      onEnd: (status) => {
        ends.push(status);
        resolve();
      },
    });
  });
  await Bun.sleep(100);
  expect(ends).toEqual([{ code: Status.CANCELLED, details: "Call cancelled" }]);
});
