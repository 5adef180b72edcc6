import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout match of `re`, or rejects after `timeoutMs`. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built `pylon` binary as a real child process with its own data dir. */
export function startCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (re: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${re}; stdout: ${out}; stderr: ${err}`));
      }, timeoutMs);
      const poll = setInterval(() => {
        const m = out.match(re);
        if (m) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(m);
        }
      }, 20);
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

/** Tracks the CLIs and temp homes a test file starts, so one `cleanup()` in afterEach/afterAll ends them all. */
export class CliHarness {
  private readonly running: Cli[] = [];
  private readonly dirs: string[] = [];

  /** A fresh $PYLON_HOME, removed by cleanup(). */
  home(prefix = "pylon-cli-"): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts `pylon …` with its own $PYLON_HOME (a fresh one unless `env` names one). */
  start(args: string[], env: Record<string, string> = {}): Cli {
    const cli = startCli(args, { PYLON_HOME: env.PYLON_HOME ?? this.home(), ...env });
    this.running.push(cli);
    return cli;
  }

  cleanup(): void {
    for (const cli of this.running.splice(0)) if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
