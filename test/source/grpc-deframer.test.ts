// gRPC messages cut out of DATA chunks however the chunks fall. The deframer is pure: these tests
// feed it bytes directly; test/source/grpc-stream.test.ts sends the same over a real connection.
import { expect, test } from "bun:test";
import { GrpcDeframer, MessageTooLarge } from "../../src/source/grpc-deframer.ts";
import { framed } from "../support/raw-grpc-server.ts";

const message = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

/** Every message the chunks make, in order; throws what the deframer throws. */
function deframe(chunks: Uint8Array[], limit = 1 << 20): Uint8Array[] {
  const deframer = new GrpcDeframer(limit);
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    deframer.push(chunk);
    for (let m = deframer.next(); m !== undefined; m = deframer.next()) out.push(m.slice());
  }
  expect(deframer.holdsBytes).toBe(false);
  return out;
}

test("many messages in one chunk come out as views of it, without a copy", () => {
  const messages = [message(10, 1), message(0, 2), message(600, 3)];
  const chunk = Buffer.concat(messages.map((m) => framed(m)));
  const deframer = new GrpcDeframer(1 << 20);
  deframer.push(chunk);
  for (const expected of messages) {
    const got = deframer.next()!;
    expect(got).toEqual(expected);
    expect(got.buffer).toBe(chunk.buffer);
  }
  expect(deframer.next()).toBeUndefined();
  expect(deframer.holdsBytes).toBe(false);
});

test("a stream cut at every pair of places gives the same messages (prefixes and bodies split, empty messages between)", () => {
  const messages = [message(7, 1), message(0, 2), message(1, 3), message(20, 4)];
  const bytes = Buffer.concat(messages.map((m) => framed(m)));
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      const got = deframe([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
      expect(got).toEqual(messages);
    }
  }
});

test("one byte per chunk, and a large message over many chunks", () => {
  const messages = [message(3, 1), message(70_000, 2), message(5, 3)];
  const bytes = Buffer.concat(messages.map((m) => framed(m)));
  expect(deframe(Array.from(bytes.subarray(0, 200), (b) => Uint8Array.of(b)).concat([bytes.subarray(200)]))).toEqual(messages);
  const sixteenK = Array.from({ length: Math.ceil(bytes.length / 16_384) }, (_, i) => bytes.subarray(i * 16_384, (i + 1) * 16_384));
  expect(deframe(sixteenK)).toEqual(messages);
});

test("the compressed flag is told for each message", () => {
  const deframer = new GrpcDeframer(100);
  deframer.push(Buffer.concat([framed(message(4, 1), true), framed(message(4, 2)), framed(message(4, 3), true)]));
  const flags = [0, 1, 2].map(() => deframer.next() !== undefined && deframer.compressed);
  expect(flags).toEqual([true, false, true]);
});

test("a length over the limit is refused as soon as the prefix is in, in grpc-js's words; the limit itself is allowed", () => {
  const deframer = new GrpcDeframer(1000);
  deframer.push(framed(message(1000, 1)));
  expect(deframer.next()!.length).toBe(1000);
  const over = framed(message(1001, 2));
  deframer.push(over.subarray(0, 3));
  expect(deframer.next()).toBeUndefined();
  deframer.push(over.subarray(3, 5)); // the prefix, and not one byte of the body
  expect(() => deframer.next()).toThrow(new MessageTooLarge(1001, 1000));
  expect(new MessageTooLarge(1001, 1000).message).toBe("Received message larger than max (1001 vs 1000)");
  const whole = new GrpcDeframer(1000);
  whole.push(over);
  expect(() => whole.next()).toThrow("Received message larger than max (1001 vs 1000)");
});

test("a length of 2^32-1 is a length, not a negative number", () => {
  const deframer = new GrpcDeframer(16 * 1024 * 1024);
  deframer.push(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff));
  expect(() => deframer.next()).toThrow("Received message larger than max (4294967295 vs 16777216)");
});

test("an unfinished message is held", () => {
  const deframer = new GrpcDeframer(100);
  deframer.push(framed(message(10, 1)).subarray(0, 8));
  expect(deframer.next()).toBeUndefined();
  expect(deframer.holdsBytes).toBe(true);
});
