/**
 * Entry point of the REPL child process. Started by the host in / with an empty environment, under Node's
 * permission model (read-only access to Pyodide and this directory; no writes, child processes, workers or
 * addons) and without code generation from strings. Frames arrive on fd 3 and leave on fd 4; stdout/stderr are
 * diagnostics.
 *
 * Order matters: bindings and the memory cap are set before Pyodide loads, the rest of the hardening after it
 * (Pyodide's loader needs some of what is then removed), and only then does any model code run.
 */
import { pathToFileURL } from "node:url";
import type { PyodideAPI } from "pyodide";
import {
  BRIDGE_DEVICE_PATH,
  type BridgeDevice,
  type EmscriptenFs,
  installBridgeDevice,
} from "./bridge-device.js";
import { EndOfStream, SyncFrameIO } from "./child-io.js";
import {
  allowOnlyConstantsBinding,
  capturePrivileged,
  hardenGlobals,
  hardenProcess,
  installWasmMemoryCap,
  neuterPyodideApi,
  verifyHardening,
} from "./harden.js";
import { type ChildConfig, HOST_TO_CHILD_LIMITS } from "./protocol.js";
import { PYTHON_RUNTIME } from "./python-runtime.js";

const REQUEST_FD = 3;
const REPLY_FD = 4;
const RAW_OUTPUT_LIMIT = 64 * 1024;
const MB = 1024 * 1024;

/** The Python runtime's entry points, each looked up once (every attribute access creates a new proxy). */
interface Runtime {
  runCell(code: string): string;
  /** Takes the context staged in the bridge device: only a size and a string cross into Python. */
  setContext(size: number, encoding: string): string;
  lockdown(): void;
}

/** Output written below Python's sys.stdout (e.g. os.write(1, ...)), kept per cell and bounded. */
class RawOutput {
  private text = "";
  append(line: string): void {
    if (this.text.length < RAW_OUTPUT_LIMIT)
      this.text += `${line}\n`.slice(0, RAW_OUTPUT_LIMIT - this.text.length);
  }
  take(): string {
    const text = this.text;
    this.text = "";
    return text;
  }
}

const privileged = capturePrivileged();
const io = new SyncFrameIO(REQUEST_FD, REPLY_FD, HOST_TO_CHILD_LIMITS);

function fail(message: string): never {
  try {
    io.write({ t: "fatal", message });
  } catch {
    // The host is gone; nothing left to tell.
  }
  return privileged.exit(1);
}

function parseConfig(raw: string | undefined): ChildConfig {
  try {
    const value = JSON.parse(raw ?? "") as ChildConfig;
    if (typeof value.pyodideDir !== "string" || typeof value.memoryLimitBytes !== "number") throw new Error();
    return value;
  } catch {
    return fail("the REPL child was started without a valid configuration");
  }
}

const NO_ANSWERS = new TextEncoder().encode("[]");

/** The sub-call bridge behind the device: one blocking round trip to the host per batch. */
function makeBridge(): (kind: string, request: Uint8Array) => Uint8Array {
  let nextId = 1;
  return function bridge(kind: string, request: Uint8Array): Uint8Array {
    if (kind !== "llm" && kind !== "rlm") return NO_ANSWERS;
    const id = nextId++;
    io.write({ t: "subcall", id, kind }, Buffer.from(request.buffer, request.byteOffset, request.byteLength));
    const reply = io.read();
    if (reply.header.t !== "subcall_result" || reply.header.id !== id) {
      return fail("protocol error: expected the result of a sub-call");
    }
    return reply.payload;
  };
}

async function loadInterpreter(
  config: ChildConfig,
  stdout: RawOutput,
  stderr: RawOutput,
): Promise<PyodideAPI> {
  const moduleUrl = pathToFileURL(`${config.pyodideDir}/pyodide.mjs`).href;
  const { loadPyodide } = (await import(moduleUrl)) as typeof import("pyodide");
  return loadPyodide({
    indexURL: `${config.pyodideDir}/`,
    // Python's `js` module is this empty object, not globalThis.
    jsglobals: Object.freeze(Object.create(null)),
    env: { HOME: "/home/pyodide" },
    // Emscripten would otherwise name this script's host path in sys.executable, sys.orig_argv and $_.
    _sysExecutable: "/usr/bin/python3",
    args: [],
    packages: [],
    enableRunUntilComplete: false,
    stdin: () => null,
    stdout: (line) => stdout.append(line),
    stderr: (line) => stderr.append(line),
  });
}

function installRuntime(
  pyodide: PyodideAPI,
  config: ChildConfig,
): { runtime: Runtime; device: BridgeDevice } {
  const device = installBridgeDevice(pyodide.FS as unknown as EmscriptenFs, makeBridge());
  const scope = pyodide.globals.get("dict")();
  pyodide.runPython(PYTHON_RUNTIME, { globals: scope, filename: "<pylon-runtime>" });
  const create = scope.get("create_runtime");
  const runtime = create(BRIDGE_DEVICE_PATH, config.maxOutputChars, config.maxBatchSize);
  const entryPoints: Runtime = {
    runCell: runtime.run_cell,
    setContext: runtime.set_context,
    lockdown: runtime.lockdown,
  };
  // The method proxies are borrowed from `runtime`, which therefore lives as long as the process.
  create.destroy();
  scope.destroy();
  return { runtime: entryPoints, device };
}

/** Leaves the interpreter room to grow up to the memory limit minus what the process uses besides its heap. */
function wasmLimitFor(config: ChildConfig, pyodide: PyodideAPI): number | null {
  if (!config.wasmMemoryCap) return null;
  const heapBytes = (pyodide as unknown as { _module: { HEAPU8: Uint8Array } })._module.HEAPU8.byteLength;
  const headroom = Math.max(64 * MB, config.memoryLimitBytes * 0.1);
  const limit = Math.floor(config.memoryLimitBytes - privileged.rssBytes() - headroom + heapBytes);
  if (limit < heapBytes + 32 * MB) {
    const needMb = Math.ceil((privileged.rssBytes() + headroom + 32 * MB) / MB);
    return fail(`memoryLimitMb is too small: the REPL needs at least ${needMb} MB`);
  }
  return limit;
}

function serve(runtime: Runtime, device: BridgeDevice, stdout: RawOutput, stderr: RawOutput): void {
  for (;;) {
    const { header, payload } = io.read();
    switch (header.t) {
      case "context": {
        let info: object;
        try {
          device.stage(payload);
          info = JSON.parse(runtime.setContext(payload.byteLength, String(header.encoding))) as object;
        } catch (error) {
          // E.g. a MemoryError while decoding: report it; the previous context stays in place.
          const message = error instanceof Error ? error.message : String(error);
          io.write({ t: "context_error", id: header.id, message: message.slice(-2000) });
          break;
        } finally {
          device.stage(new Uint8Array(0));
        }
        io.write({ ...info, t: "context_loaded", id: header.id });
        break;
      }
      case "run": {
        stdout.take();
        stderr.take();
        const body = runtime.runCell(String(header.code));
        io.write(
          { t: "result", id: header.id, rawStdout: stdout.take(), rawStderr: stderr.take() },
          Buffer.from(body, "utf8"),
        );
        break;
      }
      case "close":
        return;
      default:
        fail(`protocol error: unknown request ${String(header.t)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function main(): Promise<void> {
  // Errors escaping Pyodide's own callbacks (e.g. a denied API deep inside the interpreter) end the process
  // with a message the host can show, rather than a stack dump.
  process.on("uncaughtException", (error) => fail(describe(error)));
  process.on("unhandledRejection", (error) => fail(describe(error)));
  const config = parseConfig(process.argv[2]);
  allowOnlyConstantsBinding();
  const memoryCap = installWasmMemoryCap();
  if (config.wasmMemoryCap) memoryCap.setLimitBytes(config.memoryLimitBytes);

  const stdout = new RawOutput();
  const stderr = new RawOutput();
  const pyodide = await loadInterpreter(config, stdout, stderr);
  const { runtime, device } = installRuntime(pyodide, config);

  pyodide.unregisterJsModule("js");
  pyodide.unregisterJsModule("pyodide_js");
  runtime.lockdown();
  hardenGlobals();
  hardenProcess();
  neuterPyodideApi(pyodide);
  verifyHardening();

  const wasmLimitBytes = wasmLimitFor(config, pyodide);
  if (wasmLimitBytes !== null) memoryCap.setLimitBytes(wasmLimitBytes);
  stdout.take();
  stderr.take();
  io.write({ t: "ready", wasmLimitBytes });
  serve(runtime, device, stdout, stderr);
}

main().then(
  () => privileged.exit(0),
  (error: unknown) => {
    if (error instanceof EndOfStream) privileged.exit(0);
    fail(describe(error));
  },
);
