// The demo's output: messages, and one status line that a terminal redraws in place (elsewhere,
// such as in a log file, a status line every few seconds).
const PLAIN_STATUS_INTERVAL_MS = 5_000;

export class Terminal {
  private status = "";
  private lastPlainStatusAt = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly tty = out.isTTY === true,
  ) {}

  say(text: string) {
    if (this.tty && this.status) this.out.write("\r\x1b[2K");
    this.out.write(`${text}\n`);
    if (this.tty && this.status) this.out.write(this.status);
  }

  setStatus(line: string) {
    if (this.tty) {
      // A line wider than the terminal would wrap, and \r would redraw only its last part.
      this.status = line.slice(0, Math.max(20, (this.out.columns || 120) - 1));
      this.out.write(`\r\x1b[2K${this.status}`);
    } else if (Date.now() - this.lastPlainStatusAt >= PLAIN_STATUS_INTERVAL_MS) {
      this.lastPlainStatusAt = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  /** Leaves the last status line on screen and continues below it. */
  endStatus() {
    if (this.tty && this.status) this.out.write("\n");
    this.status = "";
  }
}
