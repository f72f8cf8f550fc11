// Reads the ingester's counters from its /metrics page (Prometheus text format).
import { metricsPage } from "../../test/support/processes.ts";

export interface Counters {
  /** tick_ingester_ticks_total{status="success"}: ticks committed. */
  ticks: number;
  /** tick_ingester_rows_total summed over the tables: rows committed. */
  rows: number;
}

const value = (line: string) => Number(line.slice(line.lastIndexOf(" ") + 1));

export function parseCounters(page: string): Counters {
  let ticks = 0;
  let rows = 0;
  for (const line of page.split("\n")) {
    if (line.startsWith('tick_ingester_ticks_total{status="success"}')) ticks = value(line);
    else if (line.startsWith("tick_ingester_rows_total{")) rows += value(line);
  }
  return { ticks, rows };
}

/** undefined while the endpoint does not answer (the ingester is starting). */
export async function scrapeCounters(port: number): Promise<Counters | undefined> {
  const page = await metricsPage(port);
  return page === undefined ? undefined : parseCounters(page);
}
