// Two ways to wait for something another part of the program does. A WaitingQueue hands items to
// its readers in order, and closing it tells every reader, once what was queued is taken, that
// nothing more will come. A WakeUp carries no items: wakeAll() wakes whoever waits now (a wake-up
// with no one waiting is lost, so a waiter checks again what it waits for), and after close() no
// one waits.

export class WaitingQueue<T> {
  private readonly items: T[] = [];
  private readonly readers: Array<(item: T | undefined) => void> = [];
  private closed = false;

  push(item: T): void {
    const reader = this.readers.shift();
    if (reader) reader(item);
    else this.items.push(item);
  }

  /** The next item; undefined once the queue is closed and empty. */
  next(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const reader of this.readers.splice(0)) reader(undefined);
  }
}

export class WakeUp {
  private readonly waiters: Array<() => void> = [];
  private closed = false;

  /** Resolves at the next wakeAll() or close(); at once once closed. */
  wait(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
