// Test helper: drains a ring in a Worker and posts back the byte sum of each record.
import { RingReader, type RingBuffers } from "../../src/pipeline/ring.ts";

declare const self: Worker;
self.onmessage = async (event: MessageEvent<RingBuffers>) => {
  const reader = new RingReader(event.data);
  const sums: number[] = [];
  while (await reader.waitForData()) {
    for (let r = reader.tryRead(); r; r = reader.tryRead()) sums.push(r.body.reduce((a, b) => a + b, 0));
  }
  self.postMessage(sums);
};
