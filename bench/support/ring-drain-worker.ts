// bench/ring-handoff.ts's Worker: drains a ring the way the pipeline's Worker does (wait, read
// everything there, wait again) and reports how many records it read once the ring closes.
import { RingReader, type RingBuffers } from "../../src/pipeline/ring.ts";

declare const self: Worker;
self.onmessage = async (event: MessageEvent<RingBuffers>) => {
  const reader = new RingReader(event.data);
  let records = 0;
  let wakes = 0;
  while (await reader.waitForData()) {
    wakes++;
    for (let r = reader.tryRead(); r; r = reader.tryRead()) records++;
  }
  self.postMessage({ records, wakes });
};
