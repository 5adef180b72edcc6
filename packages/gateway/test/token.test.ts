// The bearer token file: created 0600 on first run, read back after, refused when others can read it.
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateToken } from "../src/index.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("loadOrCreateToken", () => {
  it("creates the folder and a 0600 file with a fresh token, then reads the same token back", async () => {
    const file = path.join(await tempDir(cleanup), "nested", "dir", "serve-token");
    const token = await loadOrCreateToken(file);
    expect(token).toMatch(/^pylon-[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toBe(token);
    expect(await loadOrCreateToken(file)).toBe(token);

    const other = path.join(path.dirname(file), "other-token");
    expect(await loadOrCreateToken(other)).not.toBe(token);
  });

  it("refuses a token file that others can read, naming the file and the fix", async () => {
    const file = path.join(await tempDir(cleanup), "serve-token");
    await writeFile(file, "pylon-leaked\n");
    await chmod(file, 0o644);
    await expect(loadOrCreateToken(file)).rejects.toThrow(/mode 0644.*chmod 600/);
    await chmod(file, 0o600);
    expect(await loadOrCreateToken(file)).toBe("pylon-leaked");
  });

  it("refuses an empty token file instead of accepting an empty token", async () => {
    const file = path.join(await tempDir(cleanup), "serve-token");
    await writeFile(file, "\n", { mode: 0o600 });
    await expect(loadOrCreateToken(file)).rejects.toThrow(/one token on one line/);
  });
});
