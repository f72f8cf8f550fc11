// A Continuum client built only from the .proto with @grpc/grpc-js and @grpc/proto-loader
// (protobufjs), none of the project's code, so it runs under Node as well as Bun.
// Usage: foreign-client.mjs ADDRESS START_TICK COUNT
// Prints one JSON line per tick read from StreamTicks(START_TICK), then GetTick(START_TICK)'s answer.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const [address, startTick, count] = process.argv.slice(2);
const proto = fileURLToPath(new URL("../../proto/continuum/sequencer/v1/sequencer.proto", import.meta.url));
const definition = protoLoader.loadSync(proto, { longs: String, bytes: String, defaults: true });
const { SequencerService } = grpc.loadPackageDefinition(definition).continuum.sequencer.v1;
const client = new SequencerService(address, grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
});

const out = (line) => new Promise((resolve) => process.stdout.write(`${JSON.stringify(line)}\n`, resolve));

let received = 0;
const call = client.streamTicks({ startTick });
call.on("data", async (tick) => {
  received++;
  if (received === Number(count)) call.cancel();
  if (received <= Number(count)) await out({ tick });
});
call.on("error", (error) => {
  if (error.code === grpc.status.CANCELLED) {
    client.getTick({ tickNumber: startTick }, async (getTickError, response) => {
      await out(getTickError ? { error: getTickError.message } : { getTick: response });
      client.close();
    });
  } else {
    out({ error: error.message }).then(() => process.exit(1));
  }
});
