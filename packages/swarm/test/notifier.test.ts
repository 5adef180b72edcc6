/**
 * Targeted waking: a freed place wakes one waiter, oldest first; a waiter that cannot use it hands it on
 * to the next one that was already waiting; no wake is lost when as many places free as there are waiters;
 * room runs down the line while waiters find some and stops after MAX_MISSES who found none; a broadcast
 * wakes all; the timeout and an abort end a wait on their own.
 */
import { describe, expect, it } from "vitest";
import { MAX_MISSES, Notifier, type Wake } from "../src/notifier.js";

/** Resolves after the microtasks queued so far have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Notifier", () => {
  it("wakes one waiter per freed place, first come first served", async () => {
    const notifier = new Notifier();
    const woken: number[] = [];
    const waits = [0, 1, 2].map((i) =>
      notifier.wait(10_000).then((wake) => {
        woken.push(i);
        return wake;
      }),
    );
    notifier.release("p");
    await settle();
    expect(woken).toEqual([0]);
    expect(notifier.waiting).toBe(2);
    notifier.release("p");
    notifier.release("q");
    expect((await Promise.all(waits)).map((w) => w?.provider)).toEqual(["p", "p", "q"]);
    expect(woken).toEqual([0, 1, 2]);
  });

  it("loses no wake: N waiters and N places freed, all proceed", async () => {
    const notifier = new Notifier();
    const n = 50;
    const waits = Array.from({ length: n }, () => notifier.wait(10_000));
    for (let i = 0; i < n; i++) notifier.release(`p${i % 7}`);
    const wakes = await Promise.all(waits);
    expect(wakes.every((w) => w?.provider !== undefined)).toBe(true);
    expect(notifier.waiting).toBe(0);
  });

  it("hands a wake on to the next waiter, never back to one that arrived after the place was freed", async () => {
    const notifier = new Notifier();
    const first = notifier.wait(10_000);
    const second = notifier.wait(10_000);
    notifier.release("p");
    const wake = (await first) as Wake;
    // The first waiter cannot use p (say, another model): it waits again and hands the wake on.
    const again = notifier.wait(200);
    notifier.pass(wake);
    expect((await second)?.provider).toBe("p");
    // Nobody who waited before the release is left: the wake ends, it does not circle back.
    const stillWaiting = notifier.wait(50);
    notifier.pass(wake);
    expect(await again).toBeUndefined(); // its timeout, not the passed wake
    expect(await stillWaiting).toBeUndefined();
  });

  it("runs room down the line while waiters start jobs, and ends it after MAX_MISSES who find none", async () => {
    const notifier = new Notifier();
    const n = 40;
    const woken: number[] = [];
    // The first 10 waiters start a job when woken; the rest find nothing (there is no more room).
    const waits = Array.from({ length: n }, (_, i) =>
      notifier.wait(300).then((wake) => {
        if (wake) {
          woken.push(i);
          notifier.pass(wake, i >= 10);
        }
        return wake;
      }),
    );
    notifier.room();
    await Promise.all(waits);
    expect(woken).toEqual(Array.from({ length: 10 + MAX_MISSES }, (_, i) => i));
    // The others were not woken: their safety-net timeouts ended their waits.
  });

  it("offers a freed place to an urgent waiter (a straggler's hedge) before older ordinary ones", async () => {
    const notifier = new Notifier();
    const order: string[] = [];
    const ordinary = notifier.wait(10_000).then(() => order.push("ordinary"));
    const hedge = notifier.wait(10_000, undefined, true).then(() => order.push("hedge"));
    notifier.release("p");
    await hedge;
    notifier.release("p");
    await ordinary;
    expect(order).toEqual(["hedge", "ordinary"]);
  });

  it("wakes everyone on notify, and ends a wait at its timeout or abort", async () => {
    const notifier = new Notifier();
    const all = [notifier.wait(10_000), notifier.wait(10_000)];
    notifier.notify();
    expect((await Promise.all(all)).map((w) => w?.provider)).toEqual([undefined, undefined]);
    expect(await notifier.wait(10)).toBeUndefined();
    const controller = new AbortController();
    const aborted = notifier.wait(10_000, controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
    expect(notifier.waiting).toBe(0);
    // A release with nobody waiting is not kept for later (the next waiter looks for itself first).
    notifier.release("p");
    expect(await notifier.wait(10)).toBeUndefined();
  });
});
