// The fault plan: which tick gets which fault. Every fault is tied to tick numbers, so a run is
// reproducible. Content faults (invalid, garbage, hostile) and sequence faults (omit, repeat) are
// properties of the tick and happen on every stream that passes it. Transient faults (stall, and
// the break after every N ticks) happen once per run, the first time a stream reaches the tick, as a
// real network hiccup would: a client that reconnects is not stalled or cut again at the same place.

export const INVALID_KINDS = ["zero-tick", "no-vdf", "unsigned-tx"] as const;
export const HOSTILE_KINDS = [
  "tabs",
  "nul",
  "big-nonce",
  "max-nonce",
  "big-payload",
  "broken-chain",
  "two-numbers",
  "oversize",
  "zero-timestamp",
  "future-timestamp",
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface Faults {
  /** End the stream with UNAVAILABLE right after tick first + k*dropEvery - 1 (k = 1, 2, ...); 0 = never. */
  dropEvery?: number;
  /** Left out of every stream; GetTick still serves them. */
  omit?: bigint[];
  /** Sent twice in a row. */
  repeat?: bigint[];
  /** Served (streams and GetTick) with content that fails validation. */
  invalid?: { tick: bigint; kind: InvalidKind }[];
  /** Served (streams and GetTick) as bytes that are not a Tick message. */
  garbage?: bigint[];
  /** The stream pauses this long before sending the tick. */
  stall?: { tick: bigint; ms: number }[];
  /** Served with valid but hostile content in its first transaction (one is added if it has none). */
  hostile?: { tick: bigint; kind: HostileKind }[];
  /** End the stream with RESOURCE_EXHAUSTED ("too many streams", an overload, not a large tick) right after the tick (once). */
  exhaust?: bigint[];
  /** Every stream that passes the tick then sends its content under the numbers LEAP_TICKS. */
  leap?: bigint[];
  /** After the tick, the stream sends `count` messages of JUNK_BYTES that are not Tick messages (once). */
  junk?: { tick: bigint; count: number }[];
  /** GetTick answers PERMISSION_DENIED, as a sequencer that does not let this client use it. */
  refuseGetTick?: boolean;
}

/** The numbers a `leap` sends: as far ahead of any chain as a uint64 goes, and the one before. */
export const LEAP_TICKS = [2n ** 64n - 2n, 2n ** 64n - 1n];
/** Size of one `junk` message. */
export const JUNK_BYTES = 64 * 1024;

export type ContentFault = { type: "invalid"; kind: InvalidKind } | { type: "garbage" } | { type: "hostile"; kind: HostileKind };

/** What is wrong with a fault list, one line per problem; empty when it is usable. `label` names a
 * Faults key in the messages (the CLI gives its flag). */
export function faultProblems(faults: Faults, firstTick: bigint, label = (key: keyof Faults) => key as string): string[] {
  const problems: string[] = [];
  const content = new Map<bigint, string>();
  const lists: [keyof Faults, bigint[]][] = [
    ["omit", faults.omit ?? []],
    ["repeat", faults.repeat ?? []],
    ["invalid", (faults.invalid ?? []).map((f) => f.tick)],
    ["garbage", faults.garbage ?? []],
    ["stall", (faults.stall ?? []).map((f) => f.tick)],
    ["hostile", (faults.hostile ?? []).map((f) => f.tick)],
    ["exhaust", faults.exhaust ?? []],
    ["leap", faults.leap ?? []],
    ["junk", (faults.junk ?? []).map((f) => f.tick)],
  ];
  for (const [name, ticks] of lists) {
    const seen = new Set<bigint>();
    for (const tick of ticks) {
      if (tick < firstTick) problems.push(`${label(name)}: tick ${tick} is before the first tick ${firstTick}`);
      if (seen.has(tick)) problems.push(`${label(name)}: tick ${tick} is listed twice`);
      seen.add(tick);
      if (name === "invalid" || name === "garbage" || name === "hostile") {
        const other = content.get(tick);
        if (other) problems.push(`tick ${tick} has two content faults: ${other} and ${label(name)}`);
        content.set(tick, label(name));
      }
    }
  }
  const omitted = new Set(faults.omit ?? []);
  for (const tick of faults.repeat ?? []) {
    if (omitted.has(tick)) problems.push(`tick ${tick} cannot be both omitted and repeated`);
  }
  if (faults.dropEvery !== undefined && (!Number.isInteger(faults.dropEvery) || faults.dropEvery < 0)) {
    problems.push(`${label("dropEvery")}: expected a whole number, got ${faults.dropEvery}`);
  }
  return problems;
}

export class FaultPlan {
  private readonly omitted: Set<bigint>;
  private readonly repeated: Set<bigint>;
  private readonly content = new Map<bigint, ContentFault>();
  private readonly stalls: Map<bigint, number>;
  private readonly dropEvery: bigint;
  private readonly dropsDone = new Set<bigint>();
  private readonly exhausts: Set<bigint>;
  private readonly leaps: Set<bigint>;
  private readonly junk: Map<bigint, number>;
  readonly refusesGetTick: boolean;
  /** False when no stream fault is planned: the stream's fast path skips the lookups. */
  readonly affectsStreams: boolean;

  constructor(
    faults: Faults,
    private readonly firstTick: bigint,
  ) {
    const problems = faultProblems(faults, firstTick);
    if (problems.length > 0) throw new Error(`invalid faults: ${problems.join("; ")}`);
    this.omitted = new Set(faults.omit);
    this.repeated = new Set(faults.repeat);
    this.stalls = new Map((faults.stall ?? []).map(({ tick, ms }) => [tick, ms]));
    this.dropEvery = BigInt(faults.dropEvery ?? 0);
    this.exhausts = new Set(faults.exhaust);
    this.refusesGetTick = faults.refuseGetTick ?? false;
    this.leaps = new Set(faults.leap);
    this.junk = new Map((faults.junk ?? []).map(({ tick, count }) => [tick, count]));
    for (const { tick, kind } of faults.invalid ?? []) this.content.set(tick, { type: "invalid", kind });
    for (const tick of faults.garbage ?? []) this.content.set(tick, { type: "garbage" });
    for (const { tick, kind } of faults.hostile ?? []) this.content.set(tick, { type: "hostile", kind });
    this.affectsStreams =
      this.omitted.size + this.repeated.size + this.stalls.size + this.exhausts.size + this.leaps.size + this.junk.size > 0 ||
      this.dropEvery > 0n;
  }

  contentFault(tick: bigint): ContentFault | undefined {
    return this.content.get(tick);
  }

  isOmitted(tick: bigint): boolean {
    return this.omitted.has(tick);
  }

  isRepeated(tick: bigint): boolean {
    return this.repeated.has(tick);
  }

  /** The stall before `tick` in milliseconds, the first time it is asked for; then 0. */
  takeStall(tick: bigint): number {
    return takeOnce(this.stalls, tick);
  }

  /** Whether the stream ends with RESOURCE_EXHAUSTED right after `tick`: true once per run. */
  takeExhaust(tick: bigint): boolean {
    return this.exhausts.delete(tick);
  }

  /** Whether a stream sends tick's content as LEAP_TICK right after it. */
  leapsAfter(tick: bigint): boolean {
    return this.leaps.has(tick);
  }

  /** Junk messages to send right after `tick`, the first time it is asked for; then 0. */
  takeJunk(tick: bigint): number {
    return takeOnce(this.junk, tick);
  }

  /** Whether the stream breaks right after `tick`: true once per break point per run. */
  takeDrop(tick: bigint): boolean {
    if (this.dropEvery === 0n || (tick - this.firstTick + 1n) % this.dropEvery !== 0n) return false;
    if (this.dropsDone.has(tick)) return false;
    this.dropsDone.add(tick);
    return true;
  }
}

/** The number kept for `tick`, taken out so that the next ask gets 0. */
function takeOnce(numbers: Map<bigint, number>, tick: bigint): number {
  const n = numbers.get(tick) ?? 0;
  numbers.delete(tick);
  return n;
}
