import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectGate } from "#lib/mail/connect-gate";

// The queue every IMAP session of a worker connects through (ADR 0015), on a fake clock.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` acquires and records, for each, whether it has been let through yet. */
function queue(gate: ConnectGate, count: number, signal?: AbortSignal) {
  const admitted: boolean[] = Array<boolean>(count).fill(false);
  const releases: (() => void)[] = [];
  for (let index = 0; index < count; index++) {
    void gate.acquire(signal).then((release) => {
      admitted[index] = true;
      releases[index] = release;
    });
  }
  return { admitted, releases };
}

describe("the connect gate", () => {
  it("lets at most `concurrency` connect at once, the next one in order as each gives its slot back", async () => {
    const gate = new ConnectGate(2, 1000);
    const { admitted, releases } = queue(gate, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toEqual([true, true, false, false]);
    releases[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toEqual([true, true, true, false]);
    // Giving a slot back twice frees one slot, not two.
    releases[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toEqual([true, true, true, false]);
    expect(gate.stats.maxActive).toBe(2);
  });

  it("starts at most `perSecond` in any second, however many slots are free", async () => {
    const gate = new ConnectGate(100, 3);
    const { admitted, releases } = queue(gate, 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted.filter(Boolean)).toHaveLength(3);
    releases.forEach((release) => release());
    await vi.advanceTimersByTimeAsync(999);
    expect(admitted.filter(Boolean)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted.filter(Boolean)).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(1000);
    expect(admitted).toEqual(Array(7).fill(true));
    expect(gate.stats.started).toBe(7);
  });

  it("drops a waiting session that is stopped, without spending a slot on it", async () => {
    const gate = new ConnectGate(1, 1000);
    const first = queue(gate, 1);
    const stopping = new AbortController();
    const waiting = queue(gate, 2, stopping.signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(gate.queued).toBe(2);
    stopping.abort();
    await vi.advanceTimersByTimeAsync(0);
    // Both resolve at once with nothing to give back, and leave the queue.
    expect(waiting.admitted).toEqual([true, true]);
    expect(gate.queued).toBe(0);
    const later = queue(gate, 1);
    first.releases[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(later.admitted).toEqual([true]);
    expect(gate.stats.started).toBe(2);
  });
});
