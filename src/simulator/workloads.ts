// The two benchmark workloads: the production stream as it is today (sparse), and the heavier
// stream the ingester is sized for.
export const WORKLOADS = {
  /** 0.15% of ticks carry 1 or 2 transactions of 256 bytes. */
  sparse: { txRatio: 0.0015, txsPerTick: 1.5, payloadBytes: 256 },
  /** Every tick carries 10 transactions of 256 bytes. */
  heavy: { txRatio: 1, txsPerTick: 10, payloadBytes: 256 },
} as const;

export type Workload = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as [Workload, ...Workload[]];
