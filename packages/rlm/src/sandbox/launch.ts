/**
 * How the REPL child is started: which script, which Node flags, and which operating-system wrappers.
 *
 * Node flags: the permission model with read access to Pyodide and the child's own directory only (so no file
 * writes, child processes, workers, WASI or addons), no code generation from strings, no addons.
 * Linux wrappers, when they work: `unshare --net` puts the child in an empty network namespace (Node 20's
 * permission model does not cover sockets), and `setpriv --pdeathsig KILL` kills it if the host dies mid-cell.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NetworkIsolation, SandboxIsolation } from "./types.js";

export class SandboxStartError extends Error {
  override name = "SandboxStartError";
}

export interface LaunchPlan {
  command: string;
  args: string[];
  isolation: SandboxIsolation;
}

/** Directory of the installed pyodide package (read-only inside the child). */
export function pyodideDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("pyodide/package.json"));
}

/**
 * The compiled child script. Next to this module when running compiled JS (dist/); from the package's dist/
 * when running TypeScript sources (tests and benchmarks, after the package is built).
 */
export function childScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  const candidate = here.endsWith(".js")
    ? path.join(path.dirname(here), "child.js")
    : path.resolve(path.dirname(here), "../../dist/sandbox/child.js");
  if (!existsSync(candidate)) {
    throw new SandboxStartError(
      `REPL child script not found at ${candidate}; build @pylon/rlm first (npm run build)`,
    );
  }
  return candidate;
}

/** The permission model flag was renamed when it left experimental status. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has("--permission")
    ? "--permission"
    : "--experimental-permission";
}

export function childNodeArgs(options: {
  childScript: string;
  pyodideDir: string;
  memoryLimitMb: number;
}): string[] {
  return [
    permissionFlag(),
    `--allow-fs-read=${options.pyodideDir}${path.sep}`,
    `--allow-fs-read=${path.dirname(options.childScript)}${path.sep}`,
    "--disallow-code-generation-from-strings",
    "--no-addons",
    "--disable-warning=ExperimentalWarning",
    `--max-old-space-size=${Math.max(64, Math.floor(options.memoryLimitMb))}`,
  ];
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

interface WrapperCandidate {
  prefix: string[];
  isolation: SandboxIsolation;
}

function wrapperCandidates(): WrapperCandidate[] {
  if (process.platform !== "linux") return [];
  const unshare = findExecutable("unshare");
  const setpriv = findExecutable("setpriv");
  const pdeath = setpriv ? [setpriv, "--pdeathsig", "KILL", "--no-new-privs"] : [];
  const out: WrapperCandidate[] = [];
  if (unshare) {
    for (const mapping of ["--map-current-user", "--map-root-user"]) {
      out.push({
        prefix: [unshare, mapping, "--net", ...pdeath],
        isolation: { networkNamespace: true, parentDeathSignal: pdeath.length > 0 },
      });
    }
  }
  if (pdeath.length > 0)
    out.push({ prefix: pdeath, isolation: { networkNamespace: false, parentDeathSignal: true } });
  return out;
}

function probe(prefix: string[]): Promise<boolean> {
  const [command, ...args] = prefix;
  if (!command) return Promise.resolve(true);
  return new Promise((resolve) => {
    execFile(command, [...args, process.execPath, "-e", ""], { env: {}, timeout: 10_000 }, (error) =>
      resolve(!error),
    );
  });
}

let detected: Promise<WrapperCandidate[]> | undefined;

/** Probes once per host process which wrappers this machine allows, best first. */
function workingWrappers(): Promise<WrapperCandidate[]> {
  detected ??= (async () => {
    const working: WrapperCandidate[] = [];
    for (const candidate of wrapperCandidates()) {
      if (await probe(candidate.prefix)) working.push(candidate);
    }
    return working;
  })();
  return detected;
}

/** Whether this machine can give the child its own empty network namespace. */
export async function networkNamespaceAvailable(): Promise<boolean> {
  return (await workingWrappers()).some((w) => w.isolation.networkNamespace);
}

export async function planLaunch(
  nodeArgs: string[],
  networkIsolation: NetworkIsolation,
): Promise<LaunchPlan> {
  const wrappers = (await workingWrappers()).filter(
    (w) => networkIsolation !== "off" || !w.isolation.networkNamespace,
  );
  const chosen = wrappers[0];
  if (networkIsolation === "required" && !chosen?.isolation.networkNamespace) {
    throw new SandboxStartError(
      "networkIsolation is 'required' but this machine cannot create a network namespace (unshare --net)",
    );
  }
  if (!chosen) {
    return {
      command: process.execPath,
      args: nodeArgs,
      isolation: { networkNamespace: false, parentDeathSignal: false },
    };
  }
  const [command, ...prefixArgs] = chosen.prefix as [string, ...string[]];
  return { command, args: [...prefixArgs, process.execPath, ...nodeArgs], isolation: chosen.isolation };
}
