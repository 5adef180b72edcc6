/**
 * Escape attempts against the sandbox. Two levels:
 *  - model code in the real REPL trying every route out (files, network, environment, processes, JavaScript);
 *  - the process layers alone: a child launched like the REPL child, hardened the same way, acting as an
 *    attacker who already holds JavaScript's globals (what a bypass of the Python guards would give).
 * Every attempt must fail, and the host must be unaffected.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Cleanup } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childNodeArgs,
  networkNamespaceAvailable,
  planLaunch,
  pyodideDirectory,
} from "../src/sandbox/launch.js";
import type { BridgeRequest } from "../src/sandbox/types.js";
import { useSandbox } from "./sandbox-harness.js";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const secret = `secret-${randomBytes(8).toString("hex")}`;
const outsideFile = path.join(os.tmpdir(), `pylon-escape-${randomBytes(6).toString("hex")}.txt`);
const repoFile = path.join(packageRoot, "package.json");

let serverPort = 0;
let connections = 0;
const subcalls: BridgeRequest[] = [];
const hostCwd = process.cwd();
let hostEnv: Record<string, string | undefined>;
const cleanup = new Cleanup();

// Before the REPL starts: the secret must be in the host's environment when the child is launched.
beforeAll(async () => {
  process.env.PYLON_ESCAPE_SECRET = secret;
  cleanup.add(() => delete process.env.PYLON_ESCAPE_SECRET);
  hostEnv = { ...process.env };
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.add(() => new Promise((resolve) => server.close(resolve)));
  serverPort = (server.address() as { port: number }).port;
});

afterAll(() => cleanup.run());

const sandbox = useSandbox({
  cellTimeoutMs: 20_000,
  onSubcall: async (request) => {
    subcalls.push(request);
    return request.prompts.map(() => "ok");
  },
});

/** Runs a cell that must complete without a restart; returns its stdout lines. */
async function lines(code: string): Promise<string[]> {
  const result = await sandbox.repl.run(code);
  expect(result.error, result.error?.traceback).toBeUndefined();
  expect(result.restarted).toBeUndefined();
  return result.stdout.trimEnd().split("\n");
}

/** Python helper printing "label: ExceptionType" for each attempt, or "label: ESCAPED ..." if it worked. */
const TRY = [
  "def attempt(label, action):",
  "    try:",
  "        value = action()",
  "        print(f'{label}: ESCAPED {str(value)[:60]!r}')",
  "    except BaseException as exc:",
  "        print(f'{label}: {type(exc).__name__}')",
].join("\n");

/** Runs TRY and then `code`, one line each, as one cell; returns its stdout lines. */
const attempts = (...code: string[]) => lines([TRY, ...code].join("\n"));

describe("model code in the REPL", () => {
  it("cannot read host files", async () => {
    const out = await lines(
      `${TRY}\nimport os\nfor p in ['/etc/passwd', '/proc/self/environ', '/proc/1/cmdline', ${JSON.stringify(repoFile)}]:\n` +
        "    attempt(p, lambda: open(p, 'rb').read())\n" +
        `attempt('listdir', lambda: os.listdir(${JSON.stringify(packageRoot)}))`,
    );
    expect(out).toHaveLength(5);
    for (const line of out) expect(line).toMatch(/: (FileNotFoundError|PermissionError|OSError)$/);
  });

  it("cannot write host files (writes land in the interpreter's in-memory file system)", async () => {
    const out = await lines(
      `${TRY}\nattempt('tmp', lambda: open(${JSON.stringify(outsideFile)}, 'w').write('escaped'))\n` +
        `attempt('repo', lambda: open(${JSON.stringify(path.join(packageRoot, "escaped.txt"))}, 'w').write('x'))`,
    );
    expect(out[1]).toMatch(/^repo: (FileNotFoundError|PermissionError)$/);
    expect(existsSync(outsideFile)).toBe(false);
    expect(existsSync(path.join(packageRoot, "escaped.txt"))).toBe(false);
  });

  it("cannot reach the network", async () => {
    const out = await attempts(
      "import socket, urllib.request, asyncio",
      `attempt('socket', lambda: socket.create_connection(('127.0.0.1', ${serverPort}), timeout=2))`,
      `attempt('urllib', lambda: urllib.request.urlopen('http://127.0.0.1:${serverPort}/', timeout=2).read())`,
      "attempt('pyodide.http', lambda: __import__('pyodide.http'))",
      "try:",
      `    await asyncio.wait_for(asyncio.open_connection('127.0.0.1', ${serverPort}), 2)`,
      "    print('asyncio: ESCAPED')",
      "except BaseException as exc:",
      "    print(f'asyncio: {type(exc).__name__}')",
    );
    expect(out).toHaveLength(4);
    for (const line of out) expect(line).not.toContain("ESCAPED");
    expect(connections).toBe(0);
  });

  it("cannot see the host's environment", async () => {
    const out = await lines(
      `import os\nprint(${JSON.stringify(secret)} in str(os.environ), 'PYLON_ESCAPE_SECRET' in os.environ)`,
    );
    expect(out).toEqual(["False False"]);
  });

  it("cannot start processes", async () => {
    const out = await attempts(
      "import os, subprocess",
      "attempt('subprocess', lambda: subprocess.run(['id']))",
      "attempt('os.system', lambda: os.system('id'))",
      "attempt('os.popen', lambda: os.popen('id').read())",
      "attempt('os.fork', os.fork)",
      "attempt('os.execv', lambda: os.execv('/bin/sh', ['sh']))",
      "attempt('posix.system', lambda: __import__('posix').system('id'))",
    );
    expect(out).toHaveLength(6);
    for (const line of out)
      expect(line).toMatch(/: (OSError|PermissionError|NotImplementedError|AttributeError)$/);
  });

  it("cannot import JavaScript bridges by any route", async () => {
    const routes = {
      "import js": "import js",
      __import__: "__import__('js')",
      importlib: "import importlib; importlib.import_module('js')",
      "importlib.util": "import importlib.util; importlib.util.find_spec('pyodide_js')",
      "sys.modules": "import sys; sys.modules['js']",
      pyodide_js: "import pyodide_js",
      "pyodide.ffi": "import pyodide.ffi",
      "pyodide.code.run_js": "from pyodide.code import run_js; run_js('1')",
      _pyodide_core: "import _pyodide_core",
      _pyodide: "import _pyodide._base",
      "pyodide.webloop": "from pyodide.webloop import WebLoop",
      ctypes: "import ctypes",
    };
    const out = await lines(
      `${TRY}\nroutes = ${JSON.stringify(routes)}\nfor label, code in routes.items():\n    attempt(label, lambda: exec(code, {}))`,
    );
    expect(out).toHaveLength(Object.keys(routes).length);
    for (const line of out) expect(line).toMatch(/: (ImportError|KeyError)$/);
  });

  it("finds no usable JavaScript even past the import guard", async () => {
    // _imp.create_builtin loads a builtin module without consulting sys.meta_path; lockdown replaced it. The
    // module objects left on the heap have lost every function that makes JavaScript objects.
    const out = await attempts(
      "import _imp, gc",
      "from importlib.machinery import ModuleSpec",
      "attempt('create_builtin', lambda: _imp.create_builtin(ModuleSpec('_pyodide_core', None)))",
      "core = next(o for o in gc.get_objects() if type(o).__name__ == 'module' and o.__name__ == '_pyodide_core')",
      "attempt('to_js', lambda: core.to_js({}))",
      "attempt('create_proxy', lambda: core.create_proxy(print))",
      "holders = []",
      "for obj in gc.get_objects():",
      "    if type(obj).__name__.startswith('Js') and not isinstance(obj, type):",
      "        for name in ('process', 'fetch', 'require', 'globalThis', '_module', '_api', 'setTimeout', 'constructor'):",
      "            try:",
      "                if getattr(obj, name, None) is not None:",
      "                    holders.append(name)",
      "            except Exception:",
      "                pass",
      "print('globals reachable:', holders)",
    );
    expect(out).toEqual([
      "create_builtin: ImportError",
      "to_js: AttributeError",
      "create_proxy: AttributeError",
      "globals reachable: []",
    ]);
  });

  it("cannot signal, exit, change directory or start threads in a way that touches the host", async () => {
    const out = await attempts(
      "import os, signal, threading",
      "attempt('kill parent', lambda: os.kill(os.getppid(), signal.SIGKILL))",
      "attempt('os._exit', lambda: os._exit(1))",
      "attempt('posix._exit', lambda: __import__('posix')._exit(1))",
      "attempt('os.abort', os.abort)",
      "attempt('thread', lambda: threading.Thread(target=print).start())",
      "os.chdir('/tmp')",
      "print('cwd', os.getcwd())",
    );
    expect(out.slice(0, 5)).toEqual([
      "kill parent: PermissionError",
      "os._exit: OSError",
      "posix._exit: OSError",
      "os.abort: OSError",
      "thread: RuntimeError",
    ]);
    expect(process.cwd()).toBe(hostCwd);
    const exited = await sandbox.repl.run("import sys\nsys.exit(0)");
    expect(exited.error?.type).toBe("SystemExit");
  });

  it("cannot forge host messages beyond what llm_query can already do", async () => {
    subcalls.length = 0;
    // The bridge is a device file that carries bytes: model code can open it, but only to ask for sub-calls.
    const out = await attempts(
      "import json, os",
      "def ask(raw):",
      "    fd = os.open('/dev/pylon-bridge', os.O_RDWR)",
      "    os.write(fd, raw)",
      "    reply = os.read(fd, 1 << 20)",
      "    os.close(fd)",
      "    return reply.decode()",
      "print(ask(b'shell\\nrm -rf /'))",
      "print(ask(b'llm\\nnot json'))",
      "print(ask(b'no newline at all'))",
      "print(ask(('llm\\n' + json.dumps({'prompts': [1], 'opts': {}})).encode()))",
      "print(ask(('llm\\n' + json.dumps({'prompts': ['same as llm_query'], 'opts': {}})).encode()))",
      "attempt('write to the reply channel', lambda: os.write(4, b'\\x00\\x00\\x00\\x0b\\x00\\x00\\x00\\x00{\"t\":\"x\"}'))",
    );
    expect(out).toEqual(["[]", "[]", "[]", "[]", '["ok"]', "write to the reply channel: OSError"]);
    expect(subcalls).toEqual([{ kind: "llm", prompts: ["same as llm_query"], opts: {} }]);
  });

  it("leaves the REPL answering and the host untouched", async () => {
    expect((await sandbox.repl.run("print(llm_query('still'), 6 * 7)")).stdout).toBe("ok 42\n");
    expect(sandbox.repl.stats().restarts).toBe(0);
    expect(process.cwd()).toBe(hostCwd);
    expect({ ...process.env }).toEqual(hostEnv);
    expect(connections).toBe(0);
  });
});

describe("the process layers on their own", () => {
  it("hold against an attacker who holds JavaScript's globals", async () => {
    const probe = path.join(packageRoot, "test", "fixtures", "js-layer-probe.mjs");
    const hardenModule = path.join(packageRoot, "dist", "sandbox", "harden.js");
    const nodeArgs = [
      ...childNodeArgs({ childScript: probe, pyodideDir: pyodideDirectory(), memoryLimitMb: 512 }),
      `--allow-fs-read=${path.dirname(hardenModule)}${path.sep}`,
    ];
    const plan = await planLaunch(nodeArgs, "auto");
    const args = [
      ...plan.args,
      probe,
      pathToFileURL(hardenModule).href,
      String(process.pid),
      String(serverPort),
    ];
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        plan.command,
        [...args, repoFile, outsideFile],
        { env: {}, timeout: 30_000 },
        (error, out, err) => resolve({ code: error ? (child.exitCode ?? -1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(code, stderr).toBe(0);
    const results = JSON.parse(stdout) as Record<string, string>;
    const network = results["connect to the host over TCP"];
    delete results["connect to the host over TCP"];
    expect(Object.keys(results)).toHaveLength(24);
    for (const [name, outcome] of Object.entries(results)) expect(outcome, name).toMatch(/^blocked/);
    // Node 20's permission model does not cover sockets; the network namespace does, where Linux allows it.
    if (await networkNamespaceAvailable()) {
      expect(plan.isolation.networkNamespace).toBe(true);
      expect(network).toMatch(/^blocked/);
      expect(connections).toBe(0);
    } else {
      expect(plan.isolation.networkNamespace).toBe(false);
    }
    expect(existsSync(outsideFile)).toBe(false);
    expect(process.env.PYLON_ESCAPE_SECRET).toBe(secret);
  });
});
