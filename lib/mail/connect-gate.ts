/**
 * Where IMAP sessions queue to connect (log in, select INBOX, first sync):
 * at most `concurrency` at once and at most `perSecond` started in any
 * second. 500 sessions starting together (a worker's start, a takeover, an
 * IMAP server back from a restart) then neither exhaust the database pool
 * nor meet the IMAP server as a storm of logins; they are served in order.
 */
export class ConnectGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Start times (ms) of the connects of the last second, oldest first. */
  private readonly recentStarts: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Most connects ever in flight at once, and connects let through (what its tests check). */
  readonly stats = { maxActive: 0, started: 0 };

  constructor(
    readonly concurrency: number,
    readonly perSecond: number,
  ) {}

  /**
   * Waits for a slot; call the returned function once connected (or failed).
   * Calling it again does nothing. Aborted while waiting: leaves the queue at
   * once (a worker stopping does not wait for its queue to drain).
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve) => {
      const noop = () => {};
      if (signal?.aborted) return resolve(noop);
      const enter = () => {
        signal?.removeEventListener("abort", leave);
        this.active++;
        this.stats.started++;
        this.stats.maxActive = Math.max(this.stats.maxActive, this.active);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.admit();
        });
      };
      const leave = () => {
        const index = this.waiting.indexOf(enter);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(noop);
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.waiting.push(enter);
      this.admit();
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.active < this.concurrency) {
      const now = Date.now();
      while (this.recentStarts.length > 0 && now - this.recentStarts[0]! >= 1000) this.recentStarts.shift();
      if (this.recentStarts.length >= this.perSecond) {
        // The second's budget is spent: come back when its oldest start is a second old.
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.admit();
          }, 1000 - (now - this.recentStarts[0]!));
        }
        return;
      }
      this.recentStarts.push(now);
      this.waiting.shift()!();
    }
  }
}
