// The live status line, from the ingester's own /metrics page: what an operator's Prometheus sees.

export interface MetricsSample {
  at: number;
  committed: number;
  lagSeconds?: number;
  buffered: number;
  bufferCapacity: number;
  rejects: number;
  gapTicks: number;
  lastTick?: number;
  retries: number;
  reconnects: number;
}

/** Prometheus text format: the value of every series, keyed by `name{labels}` as written. */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The sum over all series of a metric, whatever their labels. */
function total(series: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of series) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export async function readMetrics(url: string): Promise<MetricsSample> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const series = parseMetrics(await response.text());
  return {
    at: Date.now(),
    committed: series.get('tick_ingester_ticks_total{status="success"}') ?? 0,
    lagSeconds: series.get("tick_ingester_last_commit_lag_seconds"),
    buffered: total(series, "tick_ingester_buffer_size"),
    bufferCapacity: total(series, "tick_ingester_buffer_capacity"),
    rejects: total(series, "tick_ingester_rejects_total"),
    gapTicks: total(series, "tick_ingester_gap_ticks_total"),
    lastTick: series.get("tick_ingester_last_committed_tick"),
    retries: total(series, "tick_ingester_write_retries_total"),
    reconnects: total(series, "tick_ingester_grpc_reconnects_total"),
  };
}

export const count = (n: number | bigint) => n.toLocaleString("en-US");

export function statusLine(now: MetricsSample, before: MetricsSample | undefined): string {
  const rate = before && now.at > before.at ? ((now.committed - before.committed) * 1000) / (now.at - before.at) : 0;
  const fill = now.bufferCapacity > 0 ? (100 * now.buffered) / now.bufferCapacity : 0;
  const parts = [
    `${count(now.committed)} ticks stored`,
    `${count(Math.round(rate))} ticks/s`,
    `lag ${now.lagSeconds === undefined ? "-" : `${now.lagSeconds.toFixed(2)} s`}`,
    `buffer ${count(now.buffered)}/${count(now.bufferCapacity)} (${fill.toFixed(1)}%)`,
    `rejects ${count(now.rejects)}`,
    `gaps ${count(now.gapTicks)}`,
  ];
  if (now.retries > 0) parts.push(`write retries ${count(now.retries)}`);
  if (now.reconnects > 0) parts.push(`reconnects ${count(now.reconnects)}`);
  return parts.join(" | ");
}
