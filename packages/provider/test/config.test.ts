import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { assertModelAvailable, loadProviderConfig } from "../src/config/load.js";
import { startProvider } from "../src/provider.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

async function configFile(content: unknown): Promise<string> {
  const dir = await tempDir(cleanup);
  const file = path.join(dir, "node.json");
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function problemsOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("loading the node config", () => {
  it("fills defaults: not free, 4 slots, a queue of 16, 1,024 tokens at most, no open requests", async () => {
    const config = await loadProviderConfig({
      overrides: { relays: ["ws://127.0.0.1:7777"], model: "/models/m.gguf", dataDir: "/data" },
    });
    expect(config).toMatchObject({
      free: false,
      slots: 4,
      queue: 16,
      maxTokens: 1024,
      serveOpen: false,
      prices: { inputPer1k: 0, outputPer1k: 0, minimum: 0 },
      announceIntervalSec: 120,
    });
  });

  it("layers file < env < flags, merges prices field by field, and reads file paths relative to the file", async () => {
    const file = await configFile({
      relays: ["ws://file.example"],
      model: "models/tiny.gguf",
      dataDir: "state",
      slots: 2,
      prices: { inputPer1k: 10, outputPer1k: 20 },
    });
    const config = await loadProviderConfig({
      file,
      env: {
        PYLON_SLOTS: "3",
        PYLON_PRICE_OUT: "30",
        PYLON_RELAYS: "ws://env-a.example, ws://env-b.example",
        PYLON_FREE: "yes",
      },
      overrides: { slots: 5, prices: { minimum: 7 }, serveOpen: undefined },
      defaults: { dataDir: "/ignored", serveOpen: true },
    });
    const dir = path.dirname(file);
    expect(config.slots).toBe(5);
    expect(config.prices).toEqual({ inputPer1k: 10, outputPer1k: 30, minimum: 7 });
    expect(config.relays).toEqual(["ws://env-a.example", "ws://env-b.example"]);
    expect(config.free).toBe(true);
    expect(config.serveOpen).toBe(true);
    expect(config.model).toBe(path.join(dir, "models/tiny.gguf"));
    expect(config.dataDir).toBe(path.join(dir, "state"));
  });

  it("lists every problem of a malformed config, by path, including unknown keys", async () => {
    const file = await configFile({
      relays: ["http://not-a-relay"],
      model: "m.gguf",
      dataDir: "/d",
      slots: 0,
      prices: { inputPer1k: -1 },
      maxTokenz: 2,
    });
    const error = await problemsOf(loadProviderConfig({ file }));
    expect(error.message).toMatch(/^invalid node configuration:/);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        "relays[0]: must be a ws:// or wss:// URL",
        expect.stringMatching(/^slots: Too small: expected number to be >=1/),
        expect.stringMatching(/^prices\.inputPer1k: Too small/),
        expect.stringMatching(/Unrecognized key: "maxTokenz"/),
      ]),
    );
  });

  it("says what is wrong with a file that is missing or not JSON, and with a bad variable", async () => {
    expect((await problemsOf(loadProviderConfig({ file: "/nonexistent/node.json" }))).message).toBe(
      "config file /nonexistent/node.json: cannot be read (ENOENT)",
    );
    const broken = await configFile("{ relays: [");
    expect((await problemsOf(loadProviderConfig({ file: broken }))).message).toMatch(/: not valid JSON \(/);
    const env = await problemsOf(loadProviderConfig({ env: { PYLON_SLOTS: "many", PYLON_FREE: "perhaps" } }));
    expect(env.problems).toEqual([
      'PYLON_SLOTS: "many" is not a whole number',
      'PYLON_FREE: "perhaps" is not a boolean (true/false, 1/0, yes/no)',
    ]);
  });

  it("a missing model file fails before anything starts, saying how to get a model; hf: URIs are left to the download", async () => {
    const dataDir = await tempDir(cleanup);
    const error = await problemsOf(
      startProvider({ relays: ["ws://127.0.0.1:1"], model: path.join(dataDir, "nope.gguf"), dataDir }),
    );
    expect(error.message).toMatch(
      /^model file not found: .*nope\.gguf:\n {2}- generate a small test model with `pylon models tiny`/,
    );
    await expect(assertModelAvailable({ model: "hf:someone/model:Q4_K_M" })).resolves.toBeUndefined();
  });

  it("refuses a key file other users can read", async () => {
    const dataDir = await tempDir(cleanup);
    const keyFile = path.join(dataDir, "loose.key");
    await writeFile(keyFile, `${"1".repeat(64)}\n`);
    await chmod(keyFile, 0o644);
    await expect(
      startProvider({
        relays: ["ws://127.0.0.1:1"],
        model: { type: "scripted", reply: "x" },
        dataDir,
        keyFile,
      }),
    ).rejects.toThrow(/has mode 0644, so other users may read the secret key/);
  });
});
