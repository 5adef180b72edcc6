/**
 * Hands out started REPLs and takes them back. Starting Pyodide costs seconds, so a pool shared by many runs
 * (a benchmark, a test file, the child RLMs of one tree) reuses idle REPLs after wiping their variables.
 * Reuse is for one trust domain: a wipe removes names, not changes model code made to imported modules.
 */
import { PythonSandbox } from "../sandbox/host.js";
import type { SandboxOptions, SubcallHandler } from "../sandbox/types.js";

export type PoolSandboxOptions = Omit<SandboxOptions, "onSubcall">;

export interface SandboxLease {
  sandbox: PythonSandbox;
  /** Wipes the REPL and returns it to the pool; closes it instead if it broke or `discard` is set. */
  release(options?: { discard?: boolean }): Promise<void>;
}

interface PooledSandbox {
  sandbox: PythonSandbox;
  /** Where this REPL's sub-calls go; swapped on every lease. */
  route: { handler: SubcallHandler | undefined };
}

// Reserved names are deleted too; the REPL restores them after every cell.
const WIPE = `for _name in [n for n in globals() if not n.startswith("__") and n != "_name"]:
    del globals()[_name]
globals().pop("_name", None)
answer = {"content": "", "ready": False}`;

export class SandboxPool {
  private readonly idle: PooledSandbox[] = [];
  private readonly all = new Set<PooledSandbox>();
  private closed = false;

  constructor(private readonly options: PoolSandboxOptions = {}) {}

  /** A REPL whose sub-calls are answered by `handler`; starts one when none is idle. */
  async acquire(handler: SubcallHandler): Promise<SandboxLease> {
    if (this.closed) throw new Error("the sandbox pool is closed");
    const pooled = this.idle.pop() ?? (await this.start());
    pooled.route.handler = handler;
    let released = false;
    return {
      sandbox: pooled.sandbox,
      release: async ({ discard = false } = {}) => {
        if (released) return;
        released = true;
        pooled.route.handler = undefined;
        await this.giveBack(pooled, discard);
      },
    };
  }

  /** REPL processes the pool holds (idle and leased). */
  get size(): number {
    return this.all.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const everything = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(everything.map((pooled) => pooled.sandbox.close()));
  }

  private async start(): Promise<PooledSandbox> {
    const route: { handler: SubcallHandler | undefined } = { handler: undefined };
    const sandbox = await PythonSandbox.start({
      ...this.options,
      onSubcall: (request, signal) =>
        route.handler
          ? route.handler(request, signal)
          : Promise.resolve(request.prompts.map(() => "Error: this REPL is not serving a run")),
    });
    if (this.closed) {
      await sandbox.close();
      throw new Error("the sandbox pool is closed");
    }
    const pooled: PooledSandbox = { sandbox, route };
    this.all.add(pooled);
    return pooled;
  }

  private async giveBack(pooled: PooledSandbox, discard: boolean): Promise<void> {
    if (this.closed || !this.all.has(pooled)) return;
    const wiped = discard ? undefined : await pooled.sandbox.run(WIPE).catch(() => undefined);
    if (!wiped || wiped.error || wiped.restarted) {
      this.all.delete(pooled);
      await pooled.sandbox.close();
      return;
    }
    this.idle.push(pooled);
  }
}
