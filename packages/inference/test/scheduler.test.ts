import { rejection } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { BackendError } from "../src/errors.js";
import { type SlotLease, SlotScheduler } from "../src/scheduler.js";

describe("SlotScheduler", () => {
  it("grants free slots at once and queues the rest first come, first served", async () => {
    const scheduler = new SlotScheduler(["a", "b"], 2);
    const first = await scheduler.acquire();
    const second = await scheduler.acquire();
    expect([first.slot, second.slot].sort()).toEqual(["a", "b"]);

    const order: string[] = [];
    const noteGrant = (name: string) => (lease: SlotLease<string>) => {
      order.push(name);
      return lease;
    };
    const third = scheduler.acquire().then(noteGrant("third"));
    const fourth = scheduler.acquire().then(noteGrant("fourth"));
    expect(scheduler.queued).toBe(2);

    second.release();
    const thirdLease = await third;
    expect(thirdLease.slot).toBe(second.slot);
    first.release();
    await fourth;
    expect(order).toEqual(["third", "fourth"]);
    expect(scheduler.active).toBe(2);
    expect(scheduler.queued).toBe(0);
  });

  it("always hands out the lowest-numbered free slot (llama.cpp batches consecutive sequences in one pass)", async () => {
    const scheduler = new SlotScheduler(["s0", "s1", "s2", "s3"], 0);
    const leases = await Promise.all([0, 1, 2, 3].map(() => scheduler.acquire()));
    expect(leases.map((lease) => lease.slot)).toEqual(["s0", "s1", "s2", "s3"]);
    leases[2]!.release();
    leases[0]!.release();
    leases[3]!.release();
    expect((await scheduler.acquire()).slot).toBe("s0");
    expect((await scheduler.acquire()).slot).toBe("s2");
    expect((await scheduler.acquire()).slot).toBe("s3");
  });

  it("refuses with busy, immediately, once slots and queue are full", async () => {
    const scheduler = new SlotScheduler([0], 1);
    await scheduler.acquire();
    const queued = scheduler.acquire();
    const error = await rejection(scheduler.acquire(), BackendError);
    expect(error.code).toBe("busy");
    expect(error.retryable).toBe(true);
    expect(scheduler.queued).toBe(1);
    scheduler.close();
    expect((await rejection(queued, BackendError)).code).toBe("closed");
  });

  it("drops a queued job when its signal aborts, and its place is reusable", async () => {
    const scheduler = new SlotScheduler([0], 1);
    const held = await scheduler.acquire();
    const controller = new AbortController();
    const waiting = scheduler.acquire(controller.signal);
    controller.abort();
    expect((await rejection(waiting, BackendError)).code).toBe("aborted");
    expect(scheduler.queued).toBe(0);

    const next = scheduler.acquire();
    held.release();
    expect((await next).slot).toBe(0);
  });

  it("rejects an already aborted signal without taking a slot", async () => {
    const scheduler = new SlotScheduler([0], 0);
    expect((await rejection(scheduler.acquire(AbortSignal.abort()), BackendError)).code).toBe("aborted");
    expect(scheduler.active).toBe(0);
  });

  it("ignores a second release of the same lease", async () => {
    const scheduler = new SlotScheduler([0, 1], 0);
    const lease = await scheduler.acquire();
    lease.release();
    lease.release();
    expect(scheduler.active).toBe(0);
    expect(scheduler.size).toBe(2);
    await scheduler.acquire();
    await scheduler.acquire();
    expect((await rejection(scheduler.acquire(), BackendError)).code).toBe("busy");
  });

  it("after close refuses new jobs and reports idle once leases return", async () => {
    const scheduler = new SlotScheduler([0], 4);
    const lease = await scheduler.acquire();
    scheduler.close();
    expect((await rejection(scheduler.acquire(), BackendError)).code).toBe("closed");
    let idle = false;
    const whenIdle = scheduler.whenIdle().then(() => {
      idle = true;
    });
    await Promise.resolve();
    expect(idle).toBe(false);
    lease.release();
    await whenIdle;
    expect(idle).toBe(true);
  });
});
