// How many compressed batches a query reads from each hypertable, counted from its executed plans,
// those of the statements inside functions included (auto_explain, its output sent to this client).
import postgres from "postgres";

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** Batches read per hypertable (a compressed chunk's row is one batch of up to 1,000 rows). */
export async function compressedBatchesRead(databaseUrl: string, query: string): Promise<Record<string, number>> {
  const plans: PlanNode[] = [];
  // A session of its own: the settings below must not outlive the count.
  const session = postgres(databaseUrl, { max: 1, onnotice: (notice) => collect(notice.message ?? "", plans) });
  try {
    const chunks = await session<{ chunk: string; hypertable: string }[]>`
      SELECT c.table_name AS chunk, h.table_name AS hypertable
      FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.compressed_hypertable_id = c.hypertable_id`;
    const hypertableOf = new Map(chunks.map((c) => [c.chunk, c.hypertable]));
    await session.unsafe(`LOAD 'auto_explain'`);
    await session.unsafe(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_format = json;
                          SET auto_explain.log_nested_statements = on; SET client_min_messages = log`);
    await session.unsafe(query);
    const read: Record<string, number> = {};
    const visit = (node: PlanNode) => {
      const hypertable = node["Relation Name"] && hypertableOf.get(node["Relation Name"]);
      if (hypertable) read[hypertable] = (read[hypertable] ?? 0) + (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1);
      for (const child of node.Plans ?? []) visit(child);
    };
    for (const plan of plans) visit(plan);
    return read;
  } finally {
    await session.end();
  }
}

function collect(message: string, plans: PlanNode[]) {
  const start = message.indexOf("{");
  if (!message.startsWith("duration:") || start < 0) return;
  plans.push((JSON.parse(message.slice(start)) as { Plan: PlanNode }).Plan);
}
