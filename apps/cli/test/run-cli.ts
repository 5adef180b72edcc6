/**
 * The CLI tests' harness: the built `pylon` binary (dist/main.js) run as real child processes, each with
 * its own $PYLON_HOME, everything they and the test started undone by one testkit `Cleanup`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { expect } from "vitest";

const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The first match of `re` on stdout; fails after `timeoutMs` showing what the CLI printed. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** The same on stderr (progress and log lines). */
  waitForStderr: (re: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** The exit and all the output, once it exited. */
  finished: () => Promise<Exit & { stdout: string; stderr: string }>;
}

export interface StartOptions {
  /** Environment on top of this process's; a fresh $PYLON_HOME unless it names one. */
  env?: Record<string, string>;
  /** Written to the CLI's stdin, which is then closed (otherwise stdin is /dev/null). */
  stdin?: string;
}

export class CliHarness {
  /** Undoes what the harness started, and whatever the test registers with it, in reverse order. */
  readonly cleanup = new Cleanup();

  /** A fresh $PYLON_HOME, removed at cleanup. */
  home(prefix = "pylon-cli-"): Promise<string> {
    return tempDir(this.cleanup, prefix);
  }

  /** Starts `pylon …`; killed at cleanup if it is still running. */
  async start(args: string[], options: StartOptions = {}): Promise<Cli> {
    const env = { PYLON_HOME: options.env?.PYLON_HOME ?? (await this.home()), ...options.env };
    const cli = spawnCli(args, env, options.stdin);
    this.cleanup.add(async () => {
      if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
      cli.child.kill("SIGKILL");
      await cli.exited;
    });
    return cli;
  }

  /** Runs `pylon …` to its end. */
  async run(args: string[], options: StartOptions = {}): Promise<Exit & { stdout: string; stderr: string }> {
    return (await this.start(args, options)).finished();
  }
}

function spawnCli(args: string[], env: Record<string, string>, stdin: string | undefined): Cli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  child.stdin?.end(stdin);
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const match =
    (read: () => string, stream: string) =>
    (re: RegExp, timeoutMs = 15_000) =>
      waitFor(() => read().match(re) ?? undefined, `${re} on ${stream}`, timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}; stdout: ${out}; stderr: ${err}`);
      });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: match(() => out, "stdout"),
    waitForStderr: match(() => err, "stderr"),
    exited,
    finished: async () => ({ ...(await exited), stdout: out, stderr: err }),
  };
}

/** Every one of `items` appears in `text` (e.g. the flags a --help must list). */
export function expectListed(text: string, items: readonly string[]): void {
  for (const item of items) expect(text).toContain(item);
}
