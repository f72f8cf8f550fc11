// Ctrl+C in a terminal signals the whole foreground process group: PostgreSQL and the ingester
// would get it at the same moment as the demo, and PostgreSQL would shut down under the ingester
// while it drains. So the demo runs in a session of its own, with everything it starts; the
// process in the terminal only turns a signal into a stop request, by closing the demo's stdin.

const SESSION_VARIABLE = "TICK_DEMO_SESSION";
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export const inOwnSession = () => process.env[SESSION_VARIABLE] === "1";

/** Runs this script again in a new session; returns its exit status. */
export async function runInOwnSession(argv: string[]): Promise<number> {
  const demo = Bun.spawn([process.execPath, ...argv], {
    env: { ...process.env, [SESSION_VARIABLE]: "1" },
    detached: true,
    stdin: "pipe",
    stdout: "inherit",
    stderr: "inherit",
  });
  let stopping = false;
  const requestStop = () => {
    if (stopping) return;
    stopping = true;
    void demo.stdin.end();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, requestStop);
  return demo.exited;
}

/**
 * Resolves when the process in the terminal asks for a stop (or is gone), or on a signal sent to
 * this process itself, which then stops in order instead of dying at once.
 */
export async function stopRequested(): Promise<void> {
  const signalled = new Promise<void>((resolve) => {
    for (const signal of STOP_SIGNALS) process.on(signal, () => resolve());
  });
  const reader = Bun.stdin.stream().getReader();
  const closed = (async () => {
    while (!(await reader.read()).done);
  })();
  await Promise.race([signalled, closed]);
}
