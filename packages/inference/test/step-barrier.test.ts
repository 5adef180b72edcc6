import { describe, expect, it } from "vitest";
import { defaultThreads } from "../src/llama/binding.js";
import { StepBarrier } from "../src/llama/step-barrier.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("StepBarrier", () => {
  it("releases the members only when all of them have arrived", async () => {
    const barrier = new StepBarrier();
    const [a, b, c] = [barrier.join(), barrier.join(), barrier.join()];
    const released: string[] = [];
    void a.arrive().then(() => released.push("a"));
    void b.arrive().then(() => released.push("b"));
    await tick();
    expect(released).toEqual([]);
    void c.arrive().then(() => released.push("c"));
    await tick();
    expect(released.sort()).toEqual(["a", "b", "c"]);
  });

  it("releases the members in rank order, whatever order they arrived in", async () => {
    const barrier = new StepBarrier();
    const ranks = [5, 0, 3, 1];
    const seats = ranks.map((rank) => barrier.join(rank));
    const released: number[] = [];
    // Arrive in reverse: the release order must come from the ranks, not from arrival.
    for (const index of [3, 2, 1, 0]) void seats[index]!.arrive().then(() => released.push(ranks[index]!));
    await tick();
    expect(released).toEqual([0, 1, 3, 5]);
  });

  it("lets the waiting members go when the missing one leaves", async () => {
    const barrier = new StepBarrier();
    const [a, b] = [barrier.join(), barrier.join()];
    let released = false;
    void a.arrive().then(() => {
      released = true;
    });
    await tick();
    expect(released).toBe(false);
    b.leave();
    b.leave(); // a second leave must not count twice
    await tick();
    expect(released).toBe(true);
    await a.arrive(); // now alone: passes straight through
    const c = barrier.join();
    let cReleased = false;
    void c.arrive().then(() => {
      cReleased = true;
    });
    await tick();
    expect(cReleased).toBe(false); // a is still a member
    a.leave();
    await tick();
    expect(cReleased).toBe(true);
  });
});

describe("defaultThreads", () => {
  it("uses one thread for tiny models and every core otherwise", () => {
    expect(defaultThreads(500_000, 16)).toBe(1);
    expect(defaultThreads(4_000_000_000, 16)).toBe(16);
    expect(defaultThreads(undefined, 6)).toBe(6);
    expect(defaultThreads(4_000_000_000, 0)).toBe(1);
  });
});
