/**
 * In-process hardening of the REPL child: the layer that must hold even if Python reaches JavaScript objects.
 *
 * Dangerous capabilities are removed by mutating the shared objects in place (not by hiding references), so
 * every route to them, including references Pyodide captured during start-up, sees the blocked version. The
 * child keeps private copies of the few originals it needs in this module's closure, where no object graph
 * reachable from Python leads.
 */
import fs from "node:fs";
import os from "node:os";
import process from "node:process";

/** Originals the child itself still needs after hardening. */
export interface Privileged {
  exit(code: number): never;
  rssBytes(): number;
}

const apply = Reflect.apply;
const defineProperty = Object.defineProperty;

function blockedFunction(name: string): () => never {
  return function blockedBySandbox(): never {
    throw new Error(`${name} is not available in the sandbox`);
  };
}

/** Replaces a property with a fixed value that later code can neither overwrite nor redefine. */
function lock(target: object, key: PropertyKey, value: unknown): void {
  defineProperty(target, key, { value, writable: false, configurable: false, enumerable: false });
}

export function capturePrivileged(): Privileged {
  const reallyExit = (process as unknown as { reallyExit: (code: number) => void }).reallyExit;
  const rss = process.memoryUsage.rss;
  return {
    exit(code: number): never {
      // process.exit() looks up process.reallyExit at call time, which is blocked below; call the original.
      apply(reallyExit, process, [code]);
      throw new Error("unreachable: process did not exit");
    },
    rssBytes: () => rss(),
  };
}

/**
 * Pyodide's start-up calls process.binding("constants"), which the permission model denies. Serve exactly that
 * from the public modules and refuse every other binding (they expose raw file, socket and process handles).
 */
export function allowOnlyConstantsBinding(): void {
  const constants = Object.freeze({ fs: fs.constants, os: os.constants });
  lock(process, "binding", function binding(name: string) {
    if (name === "constants") return constants;
    throw new Error(`process.binding(${JSON.stringify(String(name))}) is not available in the sandbox`);
  });
}

/**
 * Caps WebAssembly memory growth. Pyodide grows its heap through Memory.prototype.grow; refusing past the cap
 * makes malloc fail, which Python reports as MemoryError instead of the process being killed.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export function installWasmMemoryCap(): { setLimitBytes(bytes: number): void } {
  // Node's type definitions do not declare the WebAssembly global (it comes from the DOM library).
  const memoryPrototype = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } })
    .WebAssembly.Memory.prototype;
  const originalGrow = memoryPrototype.grow;
  let limitBytes = Number.POSITIVE_INFINITY;
  lock(memoryPrototype, "grow", function grow(this: WasmMemory, pages: number): number {
    const nextBytes = this.buffer.byteLength + Number(pages) * 65536;
    if (nextBytes > limitBytes) throw new RangeError("WebAssembly memory limit of the sandbox reached");
    return apply(originalGrow, this, [pages]);
  });
  return {
    setLimitBytes(bytes: number) {
      limitBytes = bytes;
    },
  };
}

/** Globals that reach the network or other threads; none is needed once Pyodide has loaded. */
const NETWORK_GLOBALS = [
  "fetch",
  "Request",
  "Response",
  "Headers",
  "FormData",
  "WebSocket",
  "EventSource",
  "XMLHttpRequest",
  "navigator",
  "BroadcastChannel",
  "Worker",
  "SharedWorker",
  "require",
  "module",
  "exports",
] as const;

/** `process` members that signal, exit, change directory, load code or reach handles, streams or files. */
const BLOCKED_PROCESS_METHODS = [
  "kill",
  "_kill",
  "exit",
  "reallyExit",
  "abort",
  "chdir",
  "dlopen",
  "_linkedBinding",
  "setuid",
  "setgid",
  "seteuid",
  "setegid",
  "setgroups",
  "initgroups",
  "umask",
  "loadEnvFile",
  "send",
  "disconnect",
  "openStdin",
  "_getActiveHandles",
  "_getActiveRequests",
  "_debugProcess",
  "_debugEnd",
  "_startProfilerIdleNotifier",
  "_stopProfilerIdleNotifier",
  "setUncaughtExceptionCaptureCallback",
  "setSourceMapsEnabled",
] as const;

/** A write sink standing in for process.stdout/stderr/stdin: the real ones are sockets whose class can connect. */
function makeNullStream(): object {
  return Object.freeze({
    fd: -1,
    isTTY: false,
    writable: false,
    readable: false,
    write: () => true,
    end: () => undefined,
    on() {
      return this;
    },
    once() {
      return this;
    },
  });
}

function makeQuietConsole(): Console {
  const noop = () => undefined;
  const methods = ["log", "info", "warn", "error", "debug", "trace", "dir", "dirxml", "table", "assert"];
  const replacement: Record<string, unknown> = {};
  for (const name of methods) replacement[name] = noop;
  return Object.freeze(replacement) as unknown as Console;
}

export function hardenGlobals(): void {
  const global = globalThis as Record<string, unknown>;
  for (const name of NETWORK_GLOBALS) {
    if (name in global) lock(global, name, undefined);
  }
  // The console's lazy _stdout/_stderr getters would hand out the real stream objects.
  const originalConsole = global.console as object;
  for (const name of ["_stdout", "_stderr", "_stdin"]) lock(originalConsole, name, makeNullStream());
  lock(global, "console", makeQuietConsole());
  // Stack-trace callbacks are a classic route from an error object back to callers and their receivers.
  lock(Error, "prepareStackTrace", undefined);
}

export function hardenProcess(): void {
  for (const name of BLOCKED_PROCESS_METHODS) lock(process, name, blockedFunction(`process.${name}`));
  lock(process, "env", Object.freeze(Object.create(null)));
  lock(process, "report", undefined);
  lock(process, "channel", undefined);
  for (const name of ["stdin", "stdout", "stderr"]) lock(process, name, makeNullStream());
  // The command line names the host's files (Node, this script, Pyodide's directory); nothing needs it now.
  lock(process, "argv", Object.freeze([]));
  lock(process, "execArgv", Object.freeze([]));
  lock(process, "execPath", "");
}

/** Pyodide API entry points that open sockets, mount host directories or load code. */
const BLOCKED_PYODIDE_API = [
  "useNodeSockFS",
  "mountNodeFS",
  "mountNativeFS",
  "loadPackage",
  "loadPackagesFromImports",
  "registerJsModule",
  "unregisterJsModule",
  "registerComlink",
  "setStdin",
  "setStdout",
  "setStderr",
  "makeMemorySnapshot",
] as const;

const BLOCKED_PYODIDE_INTERNALS = [
  "initializeNodeSockFS",
  "loadBinaryFile",
  "loadDynlib",
  "install",
] as const;

export function neuterPyodideApi(pyodide: object): void {
  for (const name of BLOCKED_PYODIDE_API) lock(pyodide, name, blockedFunction(`pyodide.${name}`));
  const internals = (pyodide as { _api?: object })._api;
  if (internals) {
    for (const name of BLOCKED_PYODIDE_INTERNALS)
      lock(internals, name, blockedFunction(`pyodide API ${name}`));
  }
}

/** Fails closed: the child refuses to serve if any layer did not take effect. */
export function verifyHardening(): void {
  const global = globalThis as Record<string, unknown>;
  const leaks: string[] = [];
  for (const name of NETWORK_GLOBALS) if (global[name] !== undefined) leaks.push(name);
  for (const name of BLOCKED_PROCESS_METHODS) {
    const member = (process as unknown as Record<string, unknown>)[name];
    if (typeof member === "function" && member.name !== "blockedBySandbox") leaks.push(`process.${name}`);
  }
  if (Object.keys(process.env).length > 0) leaks.push("process.env");
  if (leaks.length > 0) throw new Error(`sandbox hardening incomplete: ${leaks.join(", ")}`);
}
