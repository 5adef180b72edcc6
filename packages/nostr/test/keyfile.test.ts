import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { decode } from "nostr-tools/nip19";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyFileError, loadOrCreateKey } from "../src/keyfile.js";
import { getPublicKey } from "../src/sign.js";

const cleanup = new Cleanup();
let dir: string;

beforeEach(async () => {
  dir = await tempDir(cleanup, "pylon-nostr-");
});

afterEach(() => cleanup.run());

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe("loadOrCreateKey", () => {
  it("creates an nsec file with mode 0600 in a new 0700 directory, then reloads the same key", async () => {
    const path = join(dir, "keys", "nested", "identity.key");
    const created = await loadOrCreateKey(path);
    expect(created.created).toBe(true);
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(join(dir, "keys", "nested"))).toBe(0o700);
    expect((await readFile(path, "utf8")).trim()).toBe(created.nsec);
    expect(created.pubkey).toBe(getPublicKey(created.secretKey));
    expect(decode(created.npub)).toEqual({ type: "npub", data: created.pubkey });
    expect(await readdir(join(dir, "keys", "nested"))).toEqual(["identity.key"]); // no temp file left

    const loaded = await loadOrCreateKey(path);
    expect(loaded.created).toBe(false);
    expect(loaded.pubkey).toBe(created.pubkey);
    expect(Buffer.from(loaded.secretKey).equals(Buffer.from(created.secretKey))).toBe(true);
  });

  it("writes hex when asked and loads hex files (any case, surrounding whitespace)", async () => {
    const path = join(dir, "hex.key");
    const created = await loadOrCreateKey(path, { format: "hex" });
    const text = (await readFile(path, "utf8")).trim();
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(path, `  ${text.toUpperCase()}\n\n`, { mode: 0o600 });
    expect((await loadOrCreateKey(path)).pubkey).toBe(created.pubkey);
  });

  it("refuses a group/world-readable file unless fixMode tightens it to 0600", async () => {
    const path = join(dir, "loose.key");
    const created = await loadOrCreateKey(path);
    await chmod(path, 0o644);
    await expect(loadOrCreateKey(path)).rejects.toThrow(/mode 0644.*chmod 600/);
    await expect(loadOrCreateKey(path)).rejects.toBeInstanceOf(KeyFileError);
    const fixed = await loadOrCreateKey(path, { fixMode: true });
    expect(fixed.pubkey).toBe(created.pubkey);
    expect(await modeOf(path)).toBe(0o600);
  });

  it("gives clear errors for malformed content and never overwrites it", async () => {
    const cases: [string, RegExp][] = [
      ["", /is empty/],
      ["hello world", /is malformed/],
      ["abcd", /is malformed/],
      ["nsec1qqqqqqqqqqqqqqqqq", /invalid nsec/],
      ["0".repeat(64), /not a valid secp256k1 secret key/],
      ["f".repeat(64), /not a valid secp256k1 secret key/],
    ];
    for (const [content, error] of cases) {
      const path = join(dir, "bad.key");
      await writeFile(path, content, { mode: 0o600 });
      await expect(loadOrCreateKey(path)).rejects.toThrow(error);
      expect(await readFile(path, "utf8")).toBe(content);
    }
  });

  it("refuses an npub (a public key is not a secret key)", async () => {
    const path = join(dir, "pub.key");
    const { npub } = await loadOrCreateKey(join(dir, "real.key"));
    await writeFile(path, npub, { mode: 0o600 });
    await expect(loadOrCreateKey(path)).rejects.toThrow(/malformed/);
  });

  it("refuses a directory in place of the file", async () => {
    const path = join(dir, "a-directory");
    await mkdir(path);
    await expect(loadOrCreateKey(path)).rejects.toThrow(/not a regular file/);
  });

  it("hands every concurrent first caller the same key", async () => {
    const path = join(dir, "shared.key");
    const results = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateKey(path)));
    expect(new Set(results.map((r) => r.pubkey)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await readdir(dir)).toEqual(["shared.key"]);
  });
});
