import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Cleanup, rejection, tempDir } from "@pylon/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { GgufInspectError, inspectGguf } from "../src/gguf/inspect.js";
import { writeTinyGguf } from "../src/gguf/tiny-model.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("inspectGguf", () => {
  it("reads the generated tiny model's header without loading it: version, tensors, architecture, quantisation, context", async () => {
    const path = join(await tempDir(cleanup), "tiny.gguf");
    const size = await writeTinyGguf(path, { contextLength: 256 });
    const summary = await inspectGguf(path);
    expect(summary).toMatchObject({
      path,
      sizeBytes: size,
      version: 3,
      architecture: "llama",
      contextLength: 256,
    });
    expect(summary.tensorCount).toBeGreaterThan(0);
    expect(summary.quantisation).toMatch(/^(ALL_F32|MOSTLY_\w+)$/);
  });

  it("refuses a file that is not GGUF, naming its magic", async () => {
    const path = join(await tempDir(cleanup), "model.gguf");
    await writeFile(path, "<html>not a model</html>");
    const err = await rejection(inspectGguf(path), GgufInspectError);
    expect(err.reason).toBe('not a GGUF file (magic "<htm")');
    expect(err.message).toBe(`${path}: ${err.reason}`);
  });

  it("refuses a missing file, naming the path", async () => {
    const path = join(await tempDir(cleanup), "absent.gguf");
    const err = await rejection(inspectGguf(path), GgufInspectError);
    expect(err.message).toContain(path);
    expect(err.reason).toMatch(/^cannot be read \(ENOENT/);
  });
});
