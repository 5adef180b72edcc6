import { createHash } from "node:crypto";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Cleanup, rejection, tempDir } from "@pylon/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { encodeGguf } from "../src/gguf/gguf-writer.js";
import { modelIdentity, quantisationName } from "../src/gguf/identity.js";
import { GgufInspectError } from "../src/gguf/inspect.js";
import { generateTinyGguf, writeTinyGguf } from "../src/gguf/tiny-model.js";
import { createLlamaBackend } from "../src/llama/llama-backend.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The digest computed independently of the code under test: the whole file read at once. */
async function sha256(file: string): Promise<string> {
  return `sha256:${createHash("sha256")
    .update(await readFile(file))
    .digest("hex")}`;
}

describe("modelIdentity", () => {
  it("hashes the file and reads architecture and quantisation from its header", async () => {
    const dir = await tempDir(cleanup);
    const f32 = join(dir, "f32.gguf");
    const f16 = join(dir, "f16.gguf");
    const q8 = join(dir, "q8.gguf");
    const size = await writeTinyGguf(f32);
    await writeTinyGguf(f16, { weights: "f16" });
    await writeTinyGguf(q8, { weights: "q8_0" });
    expect(await modelIdentity(f32)).toEqual({
      digest: await sha256(f32),
      sizeBytes: size,
      architecture: "llama",
      quantisation: "F32",
    });
    expect((await modelIdentity(f16)).quantisation).toBe("F16");
    expect((await modelIdentity(q8)).quantisation).toBe("Q8_0");
    expect(quantisationName(15)).toBe("Q4_K_M");
    expect(quantisationName(999)).toBeUndefined();
  });

  it("gives models of different seeds different digests (same size: the weights differ)", async () => {
    const dir = await tempDir(cleanup);
    const [seven, eight] = [join(dir, "seven.gguf"), join(dir, "eight.gguf")];
    await writeTinyGguf(seven, { seed: 7 });
    await writeTinyGguf(eight, { seed: 8 });
    const [a, b] = await Promise.all([modelIdentity(seven), modelIdentity(eight)]);
    expect(a.sizeBytes).toBe(b.sizeBytes);
    expect(a.digest).not.toBe(b.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("without general.file_type, names the type holding most matrix weights", async () => {
    const file = join(await tempDir(cleanup), "bare.gguf");
    const matrix = (name: string) => ({
      name,
      dims: [32, 32],
      type: "q8_0" as const,
      data: new Float32Array(32 * 32).fill(0.5),
    });
    const norm = { name: "norm.weight", dims: [32], type: "f32" as const, data: new Float32Array(32) };
    await writeFile(
      file,
      encodeGguf({
        metadata: [["general.architecture", { type: "string", value: "llama" }]],
        tensors: [matrix("a.weight"), matrix("b.weight"), norm],
      }),
    );
    expect(await modelIdentity(file)).toMatchObject({ architecture: "llama", quantisation: "Q8_0" });
  });

  it("refuses a file that is not a GGUF, naming it", async () => {
    const file = join(await tempDir(cleanup), "x.gguf");
    await writeFile(file, "not a model at all");
    const error = await rejection(modelIdentity(file), GgufInspectError);
    expect(error.message).toContain(file);
    await rejection(modelIdentity(join(file, "..", "absent.gguf")), GgufInspectError);
  });
});

describe("the identity cache", () => {
  it("finds an identity again by path, size and mtime without reading the file; a change invalidates it", async () => {
    const dir = await tempDir(cleanup);
    const file = join(dir, "model.gguf");
    const cacheFile = join(dir, "cache", "model-digests.json");
    await writeTinyGguf(file, { seed: 1 });
    // Whole seconds, so that putting the mtime back below restores it exactly.
    const mtime = new Date(1_700_000_000_000);
    await utimes(file, mtime, mtime);
    const first = await modelIdentity(file, { cacheFile });
    expect(first.digest).toBe(await sha256(file));
    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(cacheFile, "utf8")) as { entries: Record<string, unknown> };
    expect(Object.keys(cached.entries)).toEqual([file]);

    // Other weights of the same size, with the old mtime put back: the cache answers, so the file was not read.
    await writeFile(file, generateTinyGguf({ seed: 2 }));
    await utimes(file, mtime, mtime);
    expect(await modelIdentity(file, { cacheFile })).toEqual(first);
    // Without the cache the new weights show.
    const fresh = await modelIdentity(file);
    expect(fresh.digest).not.toBe(first.digest);

    // A new mtime invalidates the entry: hashed again, and the cache rewritten.
    const later = new Date(mtime.getTime() + 5_000);
    await utimes(file, later, later);
    expect(await modelIdentity(file, { cacheFile })).toEqual(fresh);
    // A new size too (a different shape, mtime put back).
    await writeFile(file, generateTinyGguf({ seed: 2, layers: 1 }));
    await utimes(file, later, later);
    const smaller = await modelIdentity(file, { cacheFile });
    expect(smaller.sizeBytes).toBeLessThan(fresh.sizeBytes);
    expect(smaller.digest).toBe(await sha256(file));
  });

  it("ignores a corrupt cache and rewrites it", async () => {
    const dir = await tempDir(cleanup);
    const file = join(dir, "model.gguf");
    const cacheFile = join(dir, "model-digests.json");
    await writeTinyGguf(file);
    for (const junk of ["{not json", "[]", '{"version":1,"entries":{"x":{"digest":"sha256:zz"}}}']) {
      await writeFile(cacheFile, junk);
      expect((await modelIdentity(file, { cacheFile })).digest).toBe(await sha256(file));
      const rewritten = JSON.parse(await readFile(cacheFile, "utf8")) as { entries: Record<string, unknown> };
      expect(Object.keys(rewritten.entries)).toEqual([file]);
    }
  });
});

describe("the llama backend's identity", () => {
  it("is computed at load, through the cache when one is named", async () => {
    const dir = await tempDir(cleanup);
    const file = join(dir, "tiny.gguf");
    const cacheFile = join(dir, "model-digests.json");
    await writeTinyGguf(file, { seed: 3 });
    const backend = await createLlamaBackend({
      model: file,
      gpu: false,
      threads: 1,
      contextSize: 128,
      slots: 1,
      identityCache: cacheFile,
    });
    cleanup.add(() => backend.close());
    expect(backend.identity).toEqual(await modelIdentity(file));
    expect(backend.identity?.digest).toBe(await sha256(file));
    const cached = JSON.parse(await readFile(cacheFile, "utf8")) as { entries: Record<string, unknown> };
    expect(Object.keys(cached.entries)).toEqual([file]);
  });
});
