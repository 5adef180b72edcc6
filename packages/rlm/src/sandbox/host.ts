/**
 * PythonSandbox: the host-side handle of a sandboxed Pyodide REPL running in its own process.
 *
 * Operations run one at a time, in call order. A cell that runs too long or uses too much memory gets its
 * process killed; the sandbox then starts a fresh one, reloads the context, and reports the loss of variables
 * in the cell's error instead of throwing. Sub-calls from Python are answered by the `onSubcall` handler.
 */
import { type EncodedContext, encodeContext } from "./context-encoding.js";
import { childNodeArgs, childScriptPath, type LaunchPlan, planLaunch, pyodideDirectory } from "./launch.js";
import { resolveSettings, type SandboxSettings } from "./options.js";
import type { ChildConfig, ChildMessage } from "./protocol.js";
import { type ReplEvent, ReplProcess } from "./repl-process.js";
import { answerSubcall } from "./subcalls.js";
import type {
  CellError,
  CellResult,
  ContextInfo,
  ContextValue,
  SandboxIsolation,
  SandboxOptions,
} from "./types.js";
import { type KillReason, Watchdog } from "./watchdog.js";

const MB = 1024 * 1024;
const MAX_CODE_BYTES = 32 * MB;
const SHUTDOWN_GRACE_MS = 1000;

export class SandboxClosedError extends Error {
  override name = "SandboxClosedError";
  constructor() {
    super("the Python sandbox is closed");
  }
}

/** Raised by setContext when Python could not take the context (e.g. it does not fit in memory). */
export class SandboxContextError extends Error {
  override name = "SandboxContextError";
}

export interface SandboxStats {
  pid: number | undefined;
  restarts: number;
  /** Highest resident memory seen for any REPL process of this sandbox. */
  peakRssBytes: number;
  /** The cap on the interpreter's WebAssembly memory, when one is set. */
  wasmLimitBytes: number | null;
}

/** Why a process ended, in the words shown to model code. */
function describeLoss(
  operation: "cell" | "context load",
  reason: KillReason | undefined,
  settings: SandboxSettings,
  detail: string,
): CellError {
  const lost = "the REPL was restarted and variables were lost";
  if (reason?.kind === "timeout") {
    return { type: "TimeoutError", message: `${operation} exceeded ${reason.limitMs} ms; ${lost}` };
  }
  if (reason?.kind === "memory") {
    const used = Math.round(reason.rssBytes / MB);
    return {
      type: "MemoryError",
      message: `${operation} exceeded the memory limit of ${settings.memoryLimitMb} MB (process at ${used} MB); ${lost}`,
    };
  }
  return { type: "SandboxError", message: `the REPL process failed (${detail}); ${lost}` };
}

export class PythonSandbox {
  private proc: ReplProcess | undefined;
  private context: EncodedContext | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private broken: Error | undefined;
  private nextId = 1;
  private restartCount = 0;
  private peakRss = 0;
  private wasmLimit: number | null = null;
  private readonly stopCurrent = new Set<AbortController>();

  private constructor(
    private readonly settings: SandboxSettings,
    private readonly plan: LaunchPlan,
    private readonly childScript: string,
    private readonly config: ChildConfig,
  ) {}

  /** Starts a REPL process and waits until Python is ready (about 2–3 s, mostly loading Pyodide). */
  static async start(options: SandboxOptions = {}): Promise<PythonSandbox> {
    const settings = resolveSettings(options);
    const childScript = childScriptPath();
    const pyodideDir = pyodideDirectory();
    const plan = await planLaunch(
      childNodeArgs({ childScript, pyodideDir, memoryLimitMb: settings.memoryLimitMb }),
      settings.networkIsolation,
    );
    const config: ChildConfig = {
      pyodideDir,
      memoryLimitBytes: settings.memoryLimitMb * MB,
      wasmMemoryCap: settings.wasmMemoryCap,
      maxOutputChars: settings.maxOutputChars,
      maxBatchSize: settings.maxBatchSize,
    };
    const sandbox = new PythonSandbox(settings, plan, childScript, config);
    await sandbox.spawn();
    return sandbox;
  }

  /** Which operating-system isolation layers the REPL process runs under. */
  get isolation(): SandboxIsolation {
    return { ...this.plan.isolation };
  }

  stats(): SandboxStats {
    const memory = this.proc?.memory();
    if (memory) this.peakRss = Math.max(this.peakRss, memory.peakRssBytes);
    return {
      pid: this.proc?.running ? this.proc.pid : undefined,
      restarts: this.restartCount,
      peakRssBytes: this.peakRss,
      wasmLimitBytes: this.wasmLimit,
    };
  }

  /** Makes `value` the Python variable `context` (kept across restarts). */
  setContext(value: ContextValue): Promise<ContextInfo> {
    let encoded: EncodedContext;
    try {
      encoded = encodeContext(value);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      const info = await this.loadContext(this.requireProcess(), encoded);
      this.context = encoded;
      return info;
    });
  }

  /** Runs one cell. Resolves with its output; Python errors, timeouts and crashes are reported in `error`. */
  run(code: string): Promise<CellResult> {
    if (typeof code !== "string") return Promise.reject(new TypeError("code must be a string"));
    if (Buffer.byteLength(code, "utf8") > MAX_CODE_BYTES) {
      return Promise.reject(new RangeError(`code exceeds ${MAX_CODE_BYTES / MB} MB`));
    }
    return this.enqueue(() => this.runCell(code));
  }

  /** Stops the REPL process. Pending and later operations reject with SandboxClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.stopCurrent) controller.abort();
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    if (this.stopCurrent.size > 0) proc.kill();
    await proc.shutdown(SHUTDOWN_GRACE_MS);
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new SandboxClosedError();
      if (this.broken) throw this.broken;
      return operation();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private requireProcess(): ReplProcess {
    if (this.closed || !this.proc) throw new SandboxClosedError();
    return this.proc;
  }

  private async spawn(): Promise<void> {
    const { proc, wasmLimitBytes } = await ReplProcess.start(
      this.plan,
      this.childScript,
      this.config,
      this.settings.startTimeoutMs,
    );
    if (this.closed) {
      proc.kill();
      throw new SandboxClosedError();
    }
    this.proc = proc;
    this.wasmLimit = wasmLimitBytes;
  }

  private watch(proc: ReplProcess, limitMs: number): Watchdog {
    return new Watchdog(proc, limitMs, this.settings.memoryLimitMb * MB, (peak) => {
      this.peakRss = Math.max(this.peakRss, peak);
    });
  }

  /** Replaces a dead or killed process; the context comes back, user variables do not. */
  private async restart(dead: ReplProcess): Promise<void> {
    dead.kill();
    await dead.exited;
    this.proc = undefined;
    if (this.closed) throw new SandboxClosedError();
    this.restartCount++;
    try {
      await this.spawn();
      if (this.context) await this.loadContext(this.requireProcess(), this.context, false);
    } catch (error) {
      if (error instanceof SandboxClosedError) throw error;
      this.broken = new Error(`the REPL could not be restarted: ${(error as Error).message}`);
      throw this.broken;
    }
  }

  private async loadContext(
    proc: ReplProcess,
    encoded: EncodedContext,
    restartOnFailure = true,
  ): Promise<ContextInfo> {
    const started = performance.now();
    const id = this.nextId++;
    const watchdog = this.watch(proc, this.settings.contextTimeoutMs);
    let event: ReplEvent;
    try {
      await proc.send({ t: "context", id, encoding: encoded.encoding }, encoded.bytes).catch(() => undefined);
      event = await proc.next();
    } finally {
      watchdog.stop();
    }
    if (event.kind === "message" && event.message.t === "context_loaded" && event.message.id === id) {
      const { type, length } = event.message;
      return { type, length, bytes: encoded.bytes.length, loadMs: performance.now() - started };
    }
    if (event.kind === "message" && event.message.t === "context_error" && event.message.id === id) {
      throw new SandboxContextError(`Python could not load the context: ${event.message.message}`);
    }
    const detail = this.endProcess(proc, event);
    if (this.closed) throw new SandboxClosedError();
    if (restartOnFailure) await this.restart(proc);
    const loss = describeLoss("context load", watchdog.reason, this.settings, detail);
    throw new SandboxContextError(`loading the context failed: ${loss.type}: ${loss.message}`);
  }

  private async runCell(code: string): Promise<CellResult> {
    const started = performance.now();
    const proc = this.requireProcess();
    const id = this.nextId++;
    const stop = new AbortController();
    this.stopCurrent.add(stop);
    const watchdog = this.watch(proc, this.settings.cellTimeoutMs);
    try {
      await proc.send({ t: "run", id, code }).catch(() => undefined);
      for (;;) {
        const event = await proc.next();
        if (event.kind === "message") {
          const message = event.message;
          if (message.t === "result" && message.id === id) {
            return { ...message.body, durationMs: performance.now() - started };
          }
          if (message.t === "subcall") {
            watchdog.pause();
            const { reply } = await answerSubcall(
              message.kind,
              event.payload,
              this.settings.onSubcall,
              this.settings.maxBatchSize,
              stop.signal,
            );
            watchdog.resume();
            await proc.send({ t: "subcall_result", id: message.id }, reply).catch(() => undefined);
            continue;
          }
        }
        // Anything else (exit, fatal error, a message out of turn) ends this process.
        const detail = this.endProcess(proc, event);
        watchdog.stop();
        if (this.closed) throw new SandboxClosedError();
        const error = describeLoss("cell", watchdog.reason, this.settings, detail);
        try {
          await this.restart(proc);
        } catch (restartError) {
          if (restartError instanceof SandboxClosedError) throw restartError;
          error.message += `; restarting failed: ${(restartError as Error).message}`;
        }
        return {
          stdout: "",
          stderr: "",
          error,
          durationMs: performance.now() - started,
          variables: [],
          restarted: true,
        };
      }
    } finally {
      watchdog.stop();
      stop.abort();
      this.stopCurrent.delete(stop);
    }
  }

  /** Makes sure a process that misbehaved is gone; returns why, with its last output. */
  private endProcess(proc: ReplProcess, event: ReplEvent): string {
    proc.kill();
    let detail: string;
    if (event.kind === "exit") detail = `exit code ${event.code}, signal ${event.signal}`;
    else if (event.kind === "protocol-error") detail = `protocol error: ${event.error.message}`;
    else detail = describeUnexpected(event.message);
    return detail + proc.diagnosticsSuffix();
  }
}

function describeUnexpected(message: ChildMessage): string {
  if (message.t === "fatal") return `fatal error: ${message.message}`;
  return `unexpected "${message.t}" message`;
}
