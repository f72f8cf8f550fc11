// A queue whose readers wait for the next item: items go to the readers in order, and closing it
// tells every reader, once what was queued is taken, that nothing more will come.

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
