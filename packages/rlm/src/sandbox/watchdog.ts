/**
 * Per-operation limits enforced from the host: a wall-clock budget (paused while the host answers a sub-call)
 * and the child's resident memory, sampled from /proc. Either one kills the child and records why.
 */
import type { ReplProcess } from "./repl-process.js";

export type KillReason = { kind: "timeout"; limitMs: number } | { kind: "memory"; rssBytes: number };

const MEMORY_SAMPLE_MS = 20;

export class Watchdog {
  reason: KillReason | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sampler: NodeJS.Timeout;
  private remainingMs: number;
  private startedAt = performance.now();

  constructor(
    private readonly proc: ReplProcess,
    private readonly limitMs: number,
    private readonly memoryLimitBytes: number,
    private readonly onSample: (rssBytes: number) => void,
  ) {
    this.remainingMs = limitMs;
    this.arm();
    this.sampler = setInterval(() => this.sample(), MEMORY_SAMPLE_MS);
    this.sampler.unref();
  }

  /** Stops the clock, e.g. while the host waits on a sub-call. */
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= performance.now() - this.startedAt;
  }

  resume(): void {
    if (!this.timer && !this.reason) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.sampler);
    this.timer = undefined;
  }

  private arm(): void {
    this.startedAt = performance.now();
    this.timer = setTimeout(
      () => this.kill({ kind: "timeout", limitMs: this.limitMs }),
      Math.max(0, this.remainingMs),
    );
    this.timer.unref();
  }

  private sample(): void {
    const memory = this.proc.memory();
    if (!memory) return;
    this.onSample(memory.peakRssBytes);
    if (memory.rssBytes > this.memoryLimitBytes) this.kill({ kind: "memory", rssBytes: memory.rssBytes });
  }

  private kill(reason: KillReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.stop();
    this.proc.kill();
  }
}
