import { createServer } from "node:net";
import { Cleanup, sleep, waitFor } from "@pylon/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { PythonSandbox, SandboxClosedError } from "../src/sandbox/host.js";
import { processGone } from "./sandbox-harness.js";

const MB = 1024 * 1024;
const LOST = "the REPL was restarted and variables were lost";
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("the RSS watchdog", () => {
  it("kills a process that outgrows the limit when the interpreter's own cap is off", async () => {
    const repl = cleanup.use(
      await PythonSandbox.start({ cellTimeoutMs: 20_000, memoryLimitMb: 400, wasmMemoryCap: false }),
      (r) => r.close(),
    );
    expect(repl.stats().wasmLimitBytes).toBeNull();
    const result = await repl.run("big = b'x' * (700 * 2**20)");
    expect(result.error?.type).toBe("MemoryError");
    expect(result.error?.message).toMatch(new RegExp(`memory limit of 400 MB .*; ${LOST}$`));
    expect(result.restarted).toBe(true);
    expect((await repl.run("1 + 1")).stdout).toBe("2\n");
    // Sampling lets the process overshoot a little before it is killed, never by hundreds of MB.
    expect(repl.stats().peakRssBytes).toBeLessThan(560 * MB);
  }, 60_000); // two REPL starts (the first and the restart), each up to ~15 s on a loaded two-core machine
});

describe("close", () => {
  it("stops a running cell, ends the process, and rejects later calls", async () => {
    const repl = cleanup.use(await PythonSandbox.start({ cellTimeoutMs: 60_000 }), (r) => r.close());
    const pid = repl.stats().pid!;
    const running = repl.run("while True:\n    pass");
    const queued = repl.run("1");
    await sleep(200);
    await repl.close();
    await expect(running).rejects.toThrow(SandboxClosedError);
    await expect(queued).rejects.toThrow(SandboxClosedError);
    await expect(repl.run("1")).rejects.toThrow(SandboxClosedError);
    await expect(repl.setContext("x")).rejects.toThrow(SandboxClosedError);
    await processGone(pid);
    await repl.close(); // a second close is harmless
  });
});

describe("without the network namespace", () => {
  it("still keeps Python off the network, and close() aborts a pending sub-call", async () => {
    const connections: number[] = [];
    const server = createServer((socket) => {
      connections.push(1);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.add(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    let subcallSignal: AbortSignal | undefined;
    const repl = await PythonSandbox.start({
      networkIsolation: "off",
      onSubcall: (_request, signal) => {
        subcallSignal = signal;
        return new Promise<string[]>(() => undefined); // a backend that never answers
      },
    });
    cleanup.add(() => repl.close());
    expect(repl.isolation.networkNamespace).toBe(false);
    const result = await repl.run(
      `import socket\ntry:\n    socket.create_connection(('127.0.0.1', ${port}), timeout=2)\n    print('connected')\n` +
        "except OSError as exc:\n    print(type(exc).__name__)",
    );
    expect(result.stdout).toMatch(/^(OSError|ConnectionRefusedError|TimeoutError)\n$/);
    expect(connections).toHaveLength(0);

    const pending = repl.run("llm_query('never answered')");
    const signal = await waitFor(() => subcallSignal, "the sub-call to reach the host");
    await repl.close();
    await expect(pending).rejects.toThrow(SandboxClosedError);
    expect(signal.aborted).toBe(true);
  });
});
