/**
 * `--ui` on `pylon run`, `pylon demo` and `pylon node`: the viewer (`pylon view`'s server, 127.0.0.1, a fresh
 * token) on the run in progress or the node, its URL on stderr and, unless `--no-open`, in the browser. A
 * browser that cannot be opened is a hint, not an error. The viewer stays up after a run ends, so its
 * result can be looked at, until Ctrl-C.
 */
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { nodeSource } from "./node-source.js";
import { openBrowser } from "./open-browser.js";

export interface UiCliOptions {
  ui?: boolean;
  /** False with --no-open. */
  open?: boolean;
}

export function addUiOptions(command: Command, what: string): Command {
  return command
    .option("--ui", `open the web viewer (pylon view) on ${what}; it stays up until Ctrl-C`)
    .option("--no-open", "with --ui: print the viewer's URL only; do not open a browser");
}

export interface OpenUi {
  url: string;
  close(): Promise<void>;
  /** After the work ends: says the viewer is still there, and closes it on Ctrl-C / SIGTERM. */
  keepOpen(name: string): void;
}

export interface UiTarget {
  /** The data dir: its runs folder is listed. */
  home: string;
  /** A run's log (it may not exist yet): the URL opens its page. */
  logFile?: string;
  /** A node's data dir: the node page. */
  nodeDir?: string;
  /** How the command names itself on stderr ("pylon run"). */
  name: string;
  open: boolean;
}

export async function startUi(target: UiTarget): Promise<OpenUi> {
  const { startViewServer } = await import("@pylon/view");
  const runsDir = join(target.home, "runs");
  const logFile = target.logFile ? resolve(target.logFile) : undefined;
  // A log outside the runs folder (--log elsewhere) is listed as a file of its own.
  const outside = logFile !== undefined && dirname(logFile) !== resolve(runsDir);
  const server = await startViewServer({
    runsDir,
    ...(outside ? { files: [logFile] } : {}),
    ...(target.nodeDir ? { node: await nodeSource(target.nodeDir) } : {}),
  });
  const url = pageUrl(server, logFile, target.nodeDir !== undefined);
  console.error(`${target.name}: viewer at ${url}`);
  if (target.open) {
    openBrowser(url, (why) =>
      console.error(`${target.name}: could not open a browser (${why}); open the URL above`),
    );
  }
  return {
    url,
    close: () => server.close(),
    keepOpen: (name) => {
      console.error(`${name}: the viewer stays open at ${url} (Ctrl-C to stop it)`);
      const stop = (): void => {
        // The command's own exit code (1: no answer) survives the viewer's closing.
        void server.close().finally(() => process.exit(process.exitCode ?? 0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
  };
}

interface Served {
  url: string;
  runUrl(runOrFile: string): string | undefined;
}

/**
 * The run's page: by its file once the viewer knows it, else by the id its file name gives (the page
 * follows the log from the moment it appears); the node page; or the runs list.
 */
function pageUrl(server: Served, logFile: string | undefined, node: boolean): string {
  const root = new URL(server.url);
  if (node) return `${root.origin}/node${root.search}`;
  if (logFile === undefined) return server.url;
  return (
    server.runUrl(logFile) ??
    `${root.origin}/runs/${encodeURIComponent(basename(logFile, ".jsonl"))}${root.search}`
  );
}
