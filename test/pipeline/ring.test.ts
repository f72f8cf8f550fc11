import { expect, test } from "bun:test";
import { createRing, RingReader, RingWriter } from "../../src/pipeline/ring.ts";

const body = (seed: number, length: number) => new Uint8Array(length).map((_, i) => (seed * 31 + i) & 0xff);

test("records come out in order and intact across many wraps", () => {
  const buffers = createRing(1024);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers);
  let written = 0;
  let read = 0;
  const lengths = [0, 1, 3, 4, 5, 100, 250, 7, 400];
  while (read < 5000) {
    while (written < 5000 && writer.tryWrite(written % 3, body(written, lengths[written % lengths.length]!))) written++;
    for (let r = reader.tryRead(); r; r = reader.tryRead()) {
      expect(r.type).toBe(read % 3);
      expect(r.body).toEqual(body(read, lengths[read % lengths.length]!));
      read++;
    }
  }
  expect(reader.tryRead()).toBeUndefined();
});

test("a full ring refuses a write instead of overwriting unread records", () => {
  const buffers = createRing(256);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers);
  let accepted = 0;
  while (writer.tryWrite(1, body(accepted, 40))) accepted++;
  expect(accepted).toBeGreaterThan(0);
  expect(accepted).toBeLessThan(6);
  for (let i = 0; i < accepted; i++) expect(reader.tryRead()!.body).toEqual(body(i, 40));
  expect(reader.tryRead()).toBeUndefined();
});

test("an empty ring starts again at its beginning", () => {
  const buffers = createRing(4096);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers);
  for (let i = 0; i < 1000; i++) {
    expect(writer.tryWrite(1, body(i, 100))).toBe(true);
    expect(reader.tryRead()!.body).toEqual(body(i, 100));
  }
  // Each record went to offset 0 or right after it: nothing beyond the first two slots was used.
  const data = new Uint8Array(buffers.data);
  expect(data.subarray(512).every((b) => b === 0)).toBe(true);
});

test("a record larger than the ring allows is refused with its size", async () => {
  const writer = new RingWriter(createRing(1024));
  await expect(writer.write(1, new Uint8Array(2000))).rejects.toThrow("2000 bytes");
});

test("a writer waits for a reader in another thread, and the reader sees the close", async () => {
  const buffers = createRing(512);
  const worker = new Worker(new URL("./ring-echo-worker.ts", import.meta.url).href);
  const received = new Promise<number[]>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
  worker.postMessage(buffers);
  const writer = new RingWriter(buffers);
  for (let i = 0; i < 2000; i++) await writer.write(1, body(i, 60));
  writer.close();
  const sums = await received;
  expect(sums.length).toBe(2000);
  sums.forEach((sum, i) => expect(sum).toBe(body(i, 60).reduce((a, b) => a + b, 0)));
  worker.terminate();
});

test("a busy ring stays within its first megabyte or so while records are small", () => {
  const buffers = createRing(8 << 20);
  const writer = new RingWriter(buffers);
  const reader = new RingReader(buffers);
  // The reader stays about 100 records behind, so the ring is never empty.
  for (let i = 0; i < 20_000; i++) {
    expect(writer.tryWrite(1, body(i, 500))).toBe(true);
    if (i >= 100) expect(reader.tryRead()!.body).toEqual(body(i - 100, 500));
  }
  const data = new Uint8Array(buffers.data);
  expect(data.subarray((1 << 20) + 4096).every((b) => b === 0)).toBe(true);
});
