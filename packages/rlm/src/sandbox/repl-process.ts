/**
 * One REPL child process as the host sees it: spawn it, exchange frames, observe its exit, kill it.
 * Everything it reports arrives as a single ordered stream of events (messages, protocol errors, exit), so the
 * sandbox can handle a reply, a crash and a kill in one loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { encodeFrame, FrameDecoder } from "./frames.js";
import type { LaunchPlan } from "./launch.js";
import { SandboxStartError } from "./launch.js";
import { readProcessMemory } from "./process-memory.js";
import {
  CHILD_TO_HOST_LIMITS,
  type ChildConfig,
  type ChildMessage,
  type HostMessage,
  parseChildMessage,
} from "./protocol.js";

export type ReplEvent =
  | { kind: "message"; message: ChildMessage; payload: Buffer }
  | { kind: "protocol-error"; error: Error }
  | { kind: "exit"; code: number | null; signal: NodeJS.Signals | null };

const DIAGNOSTICS_LIMIT = 8 * 1024;

/** Children still running, killed synchronously if the host exits first. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnHostExit(child: ChildProcess): void {
  liveChildren.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const live of liveChildren) live.kill("SIGKILL");
  });
}

export class ReplProcess {
  private readonly queue: ReplEvent[] = [];
  private waiter: ((event: ReplEvent) => void) | undefined;
  private exitEvent: ReplEvent | undefined;
  private diagnosticsTail = "";
  private readonly input: Writable;
  readonly exited: Promise<void>;
  readonly pid: number;

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid ?? -1;
    const [, out, err, input, replies] = child.stdio as [null, Readable, Readable, Writable, Readable];
    this.input = input;
    for (const stream of [out, err, input, replies]) stream.on("error", () => undefined);
    for (const stream of [out, err]) stream.on("data", (chunk: Buffer) => this.keepDiagnostics(chunk));
    const decoder = new FrameDecoder(CHILD_TO_HOST_LIMITS);
    replies.on("data", (chunk: Buffer) => {
      if (this.exitEvent) return;
      try {
        for (const frame of decoder.push(chunk)) {
          this.push({
            kind: "message",
            message: parseChildMessage(frame.header, frame.payload),
            payload: frame.payload,
          });
        }
      } catch (error) {
        replies.removeAllListeners("data");
        this.push({ kind: "protocol-error", error: error as Error });
        this.kill();
      }
    });
    this.exited = new Promise((resolve) => {
      // "close" (not "exit") fires after the reply stream is drained, so no message is lost behind the exit.
      child.once("close", (code, signal) => {
        liveChildren.delete(child);
        this.exitEvent = { kind: "exit", code, signal };
        this.push(this.exitEvent);
        resolve();
      });
    });
  }

  /** Spawns a child and waits for its "ready" message. */
  static async start(plan: LaunchPlan, childScript: string, config: ChildConfig, timeoutMs: number) {
    const child = spawn(plan.command, [...plan.args, childScript, JSON.stringify(config)], {
      env: {},
      // Every path the child needs is absolute; started at the root, its working directory names no host path.
      cwd: path.parse(process.cwd()).root,
      stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
    });
    const spawnFailure = new Promise<Error>((resolve) => child.on("error", resolve));
    if (child.pid === undefined) {
      throw new SandboxStartError(`could not start the REPL process: ${(await spawnFailure).message}`);
    }
    killOnHostExit(child);
    const proc = new ReplProcess(child);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const first = await Promise.race([proc.next(), timeout]);
    clearTimeout(timer);
    if (first !== "timeout" && first.kind === "message" && first.message.t === "ready") {
      return { proc, wasmLimitBytes: first.message.wasmLimitBytes };
    }
    proc.kill();
    await proc.exited;
    let reason: string;
    if (first === "timeout") reason = `it did not become ready within ${timeoutMs} ms`;
    else if (first.kind === "message" && first.message.t === "fatal") reason = first.message.message;
    else if (first.kind === "exit") reason = `it exited early (code ${first.code}, signal ${first.signal})`;
    else reason = "it sent an unexpected first message";
    throw new SandboxStartError(`the REPL process failed to start: ${reason}${proc.diagnosticsSuffix()}`);
  }

  /** The next event; after the exit every call returns the exit event. */
  next(): Promise<ReplEvent> {
    const event = this.queue.shift() ?? this.exitEvent;
    if (event) return Promise.resolve(event);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Writes a frame. Rejects if the child is gone; the exit event then explains why. */
  send(message: HostMessage, payload?: Uint8Array): Promise<void> {
    const [head, body] = encodeFrame(message as unknown as Record<string, unknown>, payload);
    return new Promise((resolve, reject) => {
      if (this.exitEvent || !this.input.writable) {
        reject(new Error("the REPL process is not running"));
        return;
      }
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body.length === 0) {
        this.input.write(head, done);
      } else {
        this.input.write(head);
        this.input.write(body, done);
      }
    });
  }

  kill(): void {
    if (!this.exitEvent) this.child.kill("SIGKILL");
  }

  /** Asks the child to exit; kills it if it has not within the grace period. */
  async shutdown(graceMs: number): Promise<void> {
    if (this.exitEvent) return;
    this.send({ t: "close" }).catch(() => undefined);
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  get running(): boolean {
    return this.exitEvent === undefined;
  }

  memory() {
    return this.running ? readProcessMemory(this.pid) : undefined;
  }

  /** The last lines the child wrote to stdout/stderr, for error messages. */
  diagnosticsSuffix(): string {
    const text = this.diagnosticsTail.trim();
    return text ? `\n--- REPL process output ---\n${text}` : "";
  }

  private keepDiagnostics(chunk: Buffer): void {
    this.diagnosticsTail = (this.diagnosticsTail + chunk.toString("utf8")).slice(-DIAGNOSTICS_LIMIT);
  }

  private push(event: ReplEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(event);
    } else if (event !== this.exitEvent) {
      this.queue.push(event);
    }
  }
}
