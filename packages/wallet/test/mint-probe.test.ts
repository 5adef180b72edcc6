import { createServer } from "node:http";
import { Cleanup, unusedPort } from "@pylon/testkit";
import { startTestMint } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { probeMint } from "../src/mint-probe.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const byName = <C extends { check: string }>(checks: C[]) => new Map(checks.map((c) => [c.check, c]));

describe("probeMint", () => {
  it("passes against the local mint: info, NUTs 4/5/7/11/12, keysets with their input fee", async () => {
    const mint = await startTestMint(cleanup, 100);
    const probe = await probeMint(mint.url);
    const checks = byName(probe.checks);
    expect(probe.checks.every((c) => c.ok)).toBe(true);
    expect(checks.get("info")?.detail).toContain("pylon-mint/");
    expect(checks.get("NUTs")?.detail).toBe("4, 5, 7, 11, 12 supported");
    expect(checks.get("NUT-17")?.detail).toContain("not offered");
    expect(checks.get("keysets")?.detail).toMatch(/1 active sat \(\w+ fee 100 ppk\)/);
  });

  it("reports a mint that is down as ✗ with a fix, without throwing", async () => {
    const probe = await probeMint(`http://127.0.0.1:${await unusedPort()}`, { timeoutMs: 2_000 });
    expect(probe.checks).toEqual([
      expect.objectContaining({ check: "info", ok: false, fix: expect.stringContaining("pylon mint") }),
    ]);
  });

  it("reports a mint without NUT-11 (a fake /v1/info server: the local mint cannot hide a NUT)", async () => {
    const real = await startTestMint(cleanup);
    const info = (await (await fetch(`${real.url}/v1/info`)).json()) as { nuts: Record<string, unknown> };
    delete info.nuts["11"];
    const server = createServer((req, res) => {
      if (req.url === "/v1/info") res.end(JSON.stringify(info));
      else fetch(`${real.url}${req.url}`).then(async (r) => res.end(await r.text()));
    });
    const port = await unusedPort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const probe = await probeMint(`http://127.0.0.1:${port}`);
    const nuts = byName(probe.checks).get("NUTs");
    expect(nuts).toMatchObject({ ok: false, detail: "missing NUT-11 (P2PK-locked payments)" });
    expect(nuts?.fix).toBe("use a mint that supports NUTs 4, 5, 7, 11, 12");
    expect(probe.checks.filter((c) => !c.ok)).toHaveLength(1);
  });

  it("reports an unparseable URL as one ✗ line", async () => {
    const probe = await probeMint("not a url");
    expect(probe.checks).toEqual([expect.objectContaining({ check: "url", ok: false })]);
  });
});
