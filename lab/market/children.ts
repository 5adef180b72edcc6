/**
 * The lab's child processes (provider nodes, packs of them, the relays, the mint): started with IPC, waited for until
 * ready, SIGKILLed for real, restarted with the same data, and all killed on the way out whatever happened.
 * Each is a TypeScript entry point next to this module, run by node with the tsx loader.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The entry point `<name>-child.ts` next to this module. */
export function childScript(name: "provider" | "relay" | "mint" | "pack"): string {
  return fileURLToPath(new URL(`./${name}-child.ts`, import.meta.url));
}

// Resolved from here, so children start the same whatever the parent's working directory or loader.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

type Message = { type: string; [key: string]: unknown };

/**
 * PYLON_LAB_CPU_PROF=DIR: every child writes a V8 CPU profile into DIR when it exits (a child SIGKILLed,
 * as packs are at the crowd's close when slow, writes none): how the bottlenecks in docs/benchmarks.md
 * were found.
 */
const PROFILING = process.env.PYLON_LAB_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PYLON_LAB_CPU_PROF}`]
  : [];

/** One restartable child: `start()` forks it and resolves with its ready message. */
export class Child {
  #process: ChildProcess | undefined;
  #listeners = new Set<(message: Message) => void>();
  /** Asks waiting for a reply, told when the process exits (one exit listener for any number of asks). */
  #askers = new Set<() => void>();
  #starting: Promise<Message> | undefined;

  constructor(
    readonly label: string,
    private readonly script: string,
    private readonly spec: unknown,
    private readonly onMessage: (message: Message) => void = () => {},
    /** Where the child's warnings and errors go (its stderr, line by line). */
    private readonly onStderr: (line: string) => void = () => {},
    // Generous: eight children loading the market through tsx at once on a busy 2-core machine.
    private readonly readyTimeoutMs = 90_000,
  ) {}

  /** The running process's id (undefined before the first start). */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get alive(): boolean {
    return (
      this.#process !== undefined && this.#process.exitCode === null && this.#process.signalCode === null
    );
  }

  /** Starts it unless it runs (or is starting) already. */
  ensureRunning(): Promise<unknown> {
    return this.#starting ?? (this.alive ? Promise.resolve() : this.start());
  }

  start(): Promise<Message> {
    if (this.alive) return Promise.reject(new Error(`${this.label} is already running`));
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<Message> {
    const child = fork(this.script, [JSON.stringify(this.spec)], {
      execArgv: ["--import", TSX_LOADER, ...PROFILING],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.#process = child;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
      for (const line of chunk.toString().split("\n"))
        if (line.trim()) this.onStderr(`${this.label}: ${line}`);
    });
    child.on("message", (message: Message) => {
      this.onMessage(message);
      for (const listener of this.#listeners) listener(message);
    });
    child.once("exit", () => {
      for (const asker of [...this.#askers]) asker();
    });
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${this.label} not ready in ${this.readyTimeoutMs} ms`)),
        this.readyTimeoutMs,
      );
      const onExit = (code: number | null, signal: string | null) =>
        fail(new Error(`${this.label} exited before ready (${code ?? signal}): ${stderr.trim()}`));
      const done = () => {
        clearTimeout(timer);
        child.off("exit", onExit);
        this.#listeners.delete(onReady);
      };
      const onReady = (message: Message) => {
        if (message.type !== "ready") return;
        done();
        resolve(message);
      };
      const fail = (error: Error) => {
        done();
        child.kill("SIGKILL");
        reject(error);
      };
      this.#listeners.add(onReady);
      child.once("exit", onExit);
    });
  }

  /** A real crash: SIGKILL, resolved once the process is gone. */
  async kill(): Promise<void> {
    await this.#starting?.catch(() => undefined); // a node is killed once up, not half-way through its start
    const child = this.#process;
    if (!child || !this.alive) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await gone;
  }

  /** Sends a request and waits for the reply of the same type. */
  async ask(type: string, timeoutMs = 30_000): Promise<Message> {
    const child = this.#process;
    if (!child || !this.alive) throw new Error(`${this.label} is not running`);
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${this.label}: no ${type} reply in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        this.#askers.delete(onExit);
      };
      const fail = (error: Error) => {
        done();
        reject(error);
      };
      // Killed while asked (a soak's kill wave racing a usage sample): an error now, not a wait.
      const onExit = () => fail(new Error(`${this.label} exited before its ${type} reply`));
      const listener = (message: Message) => {
        if (message.type !== type) return;
        done();
        resolve(message);
      };
      this.#listeners.add(listener);
      this.#askers.add(onExit);
      // With a callback, a channel closed by then is this error, not an unhandled 'error' event.
      child.send({ type }, (error) => {
        if (error) fail(new Error(`${this.label}: could not ask for ${type}: ${error.message}`));
      });
    });
  }

  /** Graceful stop over IPC, SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#process;
    if (!child || !this.alive) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (child.connected) child.send({ type: "stop" });
    else child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** `work`, or an error naming `what` after `ms`: a close that hangs must not keep the processes alive. */
export function bounded(work: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done in ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
