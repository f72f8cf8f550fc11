// CPU time and memory of processes, read from Linux's /proc: a process's CPU counts all its
// threads (the ingester's Workers too); PostgreSQL's is the postmaster's and its children's.
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

interface Stat {
  ppid: number;
  /** user + system CPU seconds of the process (or thread) itself. */
  cpu: number;
  /** CPU seconds of its children that have exited and were waited for. */
  childrenCpu: number;
}

const readText = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // gone
  }
};

function readStat(path: string): Stat | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return {
    ppid: field(4),
    cpu: (field(14) + field(15)) / CLOCK_TICKS_PER_SECOND,
    childrenCpu: (field(16) + field(17)) / CLOCK_TICKS_PER_SECOND,
  };
}

/** CPU seconds (user + system) the process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  return readStat(`/proc/${pid}/stat`)?.cpu ?? 0;
}

/** CPU seconds of the process's main thread, of its Bun Workers' threads, and of the rest (JIT, GC). */
export function threadCpuSeconds(pid: number): { main: number; workers: number; other: number } {
  const result = { main: 0, workers: 0, other: 0 };
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const task of tasks) {
    const cpu = readStat(`/proc/${pid}/task/${task}/stat`)?.cpu ?? 0;
    if (Number(task) === pid) result.main += cpu;
    else if (readText(`/proc/${pid}/task/${task}/comm`)?.trim() === "Worker") result.workers += cpu;
    else result.other += cpu;
  }
  return result;
}

/** CPU seconds of a process and all its descendants, living or exited. */
export function treeCpuSeconds(root: number): number {
  const stats = new Map<number, Stat>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) stats.set(pid, stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let total = 0;
  const visit = (pid: number) => {
    const stat = stats.get(pid);
    if (!stat) return;
    total += stat.cpu + stat.childrenCpu;
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return total;
}

/** CPU seconds the whole machine has been busy: all cores, every process. */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory now and at its peak (VmHWM), in bytes. */
export function memory(pid: number): { rss: number; peakRss: number } {
  const text = readText(`/proc/${pid}/status`) ?? "";
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS"), peakRss: kib("VmHWM") };
}

/** The 1-minute load average: other work on the machine shows here. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}
