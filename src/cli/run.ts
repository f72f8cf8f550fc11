import type { IngesterConfig } from "../config/ingester.ts";

export async function run(config: IngesterConfig): Promise<number> {
  process.stdout.write(`${JSON.stringify({ batchSize: config.batchSize })}\n`);
  process.stderr.write("tick-ingester run: the pipeline is not built yet\n");
  return 1;
}
