/**
 * `pylon doctor` as a real process against the local relay and mint, the generated tiny GGUF and a temp data
 * dir with 0600 key files: all ✓ when healthy; each case broken on purpose gives its ✗ with the fix, exit 1,
 * and leaves everything as it was.
 */

import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import type { RunningMint } from "@pylon/mint";
import type { RunningRelay } from "@pylon/relay";
import { unusedPort } from "@pylon/testkit";
import { startTestMint, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
let relay: RunningRelay;
let mint: RunningMint;
let home: string;
let model: string;

const KEY = "a".repeat(64);

beforeAll(async () => {
  relay = await startTestRelay(harness.cleanup);
  mint = await startTestMint(harness.cleanup);
  home = await harness.home("pylon-doctor-");
  model = join(home, "models", "tiny.gguf");
  await mkdir(join(home, "models"), { recursive: true });
  await writeTinyGguf(model);
  await mkdir(join(home, "wallet"), { mode: 0o700 });
  await writeFile(join(home, "provider.key"), `${KEY}\n`, { mode: 0o600 });
  await writeFile(join(home, "wallet", "seed"), "seed words\n", { mode: 0o600 });
}, 30_000);

afterAll(() => harness.cleanup.run());

/** Every file under `dir` with its mode and size: what "nothing else changed" compares. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries.sort().map(async (name) => {
      const info = await stat(join(dir, name));
      return `${name} ${(info.mode & 0o777).toString(8)} ${info.isFile() ? info.size : "dir"}`;
    }),
  );
}

const healthy = (): string[] => [
  "--relay",
  relay.url,
  "--mint",
  mint.url,
  "--model",
  model,
  "--data-dir",
  home,
];

/** Runs doctor with `args` replacing the healthy ones of the same flag. */
function doctor(overrides: Record<string, string> = {}, extra: string[] = []) {
  const args = healthy();
  for (const [flag, value] of Object.entries(overrides)) args[args.indexOf(flag) + 1] = value;
  return harness.run(["doctor", ...args, ...extra], { env: { PYLON_HOME: home } });
}

const failures = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("✗"));

describe("pylon doctor", () => {
  it("--network local checks the network's relay and mint (config.json points `local` at the test servers): all ✓", async () => {
    const netHome = await harness.home("pylon-doctor-net-");
    await writeFile(
      join(netHome, "config.json"),
      JSON.stringify({ networks: { local: { relays: [relay.url], mints: [mint.url] } } }),
      { mode: 0o600 },
    );
    const result = await harness.run(["doctor", "--network", "local"], { env: { PYLON_HOME: netHome } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`✓ relay ${relay.url} NIP-11: ok`);
    expect(result.stdout).toContain(`✓ mint ${mint.url}`);
    expect(failures(result.stdout)).toEqual([]);
  });

  it("is all ✓ against the local relay and mint, the tiny GGUF and a data dir of 0600 key files, and changes nothing", async () => {
    const before = await snapshot(home);
    const result = await doctor();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.filter((l) => !l.startsWith("✓"))).toEqual(["all checks passed"]);
    const text = result.stdout;
    expect(text).toContain(`✓ relay ${relay.url} NIP-11: ok (pylon relay, pylon-relay `);
    expect(text).toMatch(/✓ relay \S+ connect: \d+ ms/);
    expect(text).toContain("AUTH: not required (a challenge was offered)");
    expect(text).toContain("read-back: the test event came back by id");
    expect(text).toMatch(/limitation: max_message_length=\d+/);
    expect(text).toContain("NUTs: 4, 5, 7, 11, 12 supported");
    expect(text).toMatch(/keysets: 1 active sat \(\w+ fee 0 ppk\)/);
    expect(text).toMatch(/✓ node \S+tiny\.gguf model: llama, \w+, 2048 ctx, \d+ KiB, GGUF v3, \d+ tensors/);
    expect(text).toMatch(/✓ node \S+ GPU: /);
    expect(text).toMatch(/✓ node \S+ threads: \d+ decoding by default/);
    expect(text).toContain(`key file ${join(home, "provider.key")}: mode 0600`);
    expect(text).toContain(`key file ${join(home, "wallet", "seed")}: mode 0600`);
    expect(await snapshot(home)).toEqual(before);
  });

  it("--json prints the structured report, limitation and GGUF summary included", async () => {
    const result = await doctor({}, ["--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      sections: { subject: string; checks: { ok: boolean }[]; data?: Record<string, unknown> }[];
    };
    expect(report.ok).toBe(true);
    const subjects = report.sections.map((s) => s.subject);
    expect(subjects).toEqual([`relay ${relay.url}`, `mint ${mint.url}`, `node ${model}`, `data dir ${home}`]);
    expect(report.sections[0]?.data?.limitation).toMatchObject({ auth_required: false });
    expect(report.sections[2]?.data?.gguf).toMatchObject({ architecture: "llama", version: 3 });
  });

  it("relay down: ✗ connect with the fix, exit 1", async () => {
    const down = `ws://127.0.0.1:${await unusedPort()}`;
    const result = await doctor({ "--relay": down }, ["--timeout", "2000"]);
    expect(result.code).toBe(1);
    const connect = failures(result.stdout).find((l) => l.includes(" connect: "));
    expect(connect).toMatch(
      new RegExp(`^✗ relay ${down} connect: cannot connect \\(.*ECONNREFUSED.*\\) — fix: start the relay`),
    );
    expect(failures(result.stdout).every((l) => l.includes(down))).toBe(true);
  });

  it("AUTH required: ✗ AUTH, Pylon's client does not answer it yet, exit 1", async () => {
    const authRelay = await startTestRelay(harness.cleanup, { auth: { read: true, write: true } });
    const result = await doctor({ "--relay": authRelay.url });
    expect(result.code).toBe(1);
    expect(failures(result.stdout)).toEqual([
      expect.stringMatching(
        /^✗ relay \S+ AUTH: AUTH required \(auth-required: .*\): Pylon's client does not answer it yet — fix: use a relay that does not require NIP-42 AUTH/,
      ),
    ]);
  });

  it("mint without NUT-11 (a fake /v1/info server: the local mint cannot hide a NUT): ✗ NUTs, exit 1", async () => {
    const info = (await (await fetch(`${mint.url}/v1/info`)).json()) as { nuts: Record<string, unknown> };
    delete info.nuts["11"];
    const server = createServer((req, res) => {
      if (req.url === "/v1/info") res.end(JSON.stringify(info));
      else void fetch(`${mint.url}${req.url}`).then(async (r) => res.end(await r.text()));
    });
    const port = await unusedPort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    harness.cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const result = await doctor({ "--mint": `http://127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(failures(result.stdout)).toEqual([
      `✗ mint http://127.0.0.1:${port} NUTs: missing NUT-11 (P2PK-locked payments) — fix: use a mint that supports NUTs 4, 5, 7, 11, 12`,
    ]);
  });

  it("a key file chmod 644: ✗ with `chmod 600 <path>`, exit 1, and the mode left as it was", async () => {
    const key = join(home, "provider.key");
    await chmod(key, 0o644);
    try {
      const result = await doctor();
      expect(result.code).toBe(1);
      expect(failures(result.stdout)).toEqual([
        `✗ data dir ${home} key file ${key}: mode 0644: other users can read the secret — fix: chmod 600 ${key}`,
      ]);
      expect((await stat(key)).mode & 0o777).toBe(0o644);
    } finally {
      await chmod(key, 0o600);
    }
  });

  it("a non-GGUF model file: ✗ model naming its magic, exit 1", async () => {
    const bad = join(home, "models", "page.gguf");
    await writeFile(bad, "<html>404</html>");
    const result = await doctor({ "--model": bad });
    expect(result.code).toBe(1);
    expect(failures(result.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^✗ node ${bad} model: not a GGUF file \\(magic "<htm"\\) — fix: pass a \\.gguf model file`,
        ),
      ),
    ]);
  });

  it("a data dir that does not exist is reported, not created", async () => {
    const absent = join(home, "not-yet");
    const result = await harness.run(["doctor", "--relay", relay.url, "--data-dir", absent]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`✓ data dir ${absent} exists: not created yet`);
    await expect(stat(absent)).rejects.toThrow(/ENOENT/);
  });

  it("no relay at all: ✗ with the flag to pass, exit 1", async () => {
    const result = await harness.run(["doctor", "--data-dir", home], { env: { PYLON_RELAYS: "" } });
    expect(result.code).toBe(1);
    expect(failures(result.stdout)).toEqual([
      "✗ relay configured: no relay to check — fix: pass --relay URL (repeatable) or set PYLON_RELAYS",
    ]);
  });
});
