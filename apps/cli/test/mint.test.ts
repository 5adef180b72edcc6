import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface InfoJson {
  name: string;
  nuts: Record<string, { methods?: { method: string; unit: string }[] }>;
}

describe("pylon mint", () => {
  it("serves a testnet mint, keeps its keys in the file db, and stops cleanly on SIGTERM", async () => {
    const home = await harness.home("pylon-cli-mint-");
    const db = join(home, "mint.db");
    const first = await harness.start(["mint", "--port", "0", "--db", db, "--quiet"], {
      env: { PYLON_HOME: home },
    });
    const [, url] = (await first.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];
    await first.waitFor(/TESTNET ONLY — not real money/);

    const info = await getJson<InfoJson>(`${url}/v1/info`);
    expect(info.name).toContain("TESTNET ONLY");
    expect(info.nuts["4"]?.methods?.[0]).toMatchObject({ method: "bolt11", unit: "sat" });
    const quoteRes = await fetch(`${url}/v1/mint/quote/bolt11`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ amount: 21, unit: "sat" }),
      signal: AbortSignal.timeout(5_000),
    });
    const quote = (await quoteRes.json()) as { state: string; request: string };
    expect(quote.state).toBe("PAID");
    expect(quote.request).toMatch(/^lnbcrt210n1/);
    const { keysets } = await getJson<{ keysets: unknown }>(`${url}/v1/keysets`);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain("stopped");

    // Same db, same keys.
    const second = await harness.start(["mint", "--port", "0", "--db", db, "--quiet"], {
      env: { PYLON_HOME: home },
    });
    const [, url2] = (await second.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];
    expect((await getJson<{ keysets: unknown }>(`${url2}/v1/keysets`)).keysets).toEqual(keysets);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });

  it("refuses a non-loopback address without --force-non-loopback", async () => {
    const cli = await harness.start(["mint", "--port", "0", "--host", "192.0.2.1", "--db", ":memory:"]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toContain("refusing to listen on 192.0.2.1");
  });

  it("names the missing folder of --db, once", async () => {
    const home = await harness.home("pylon-cli-mint-");
    const db = join(home, "no-such-folder", "mint.db");
    const cli = await harness.run(["mint", "--port", "0", "--db", db]);
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim()).toBe(
      `pylon: --db ${db}: the folder ${join(home, "no-such-folder")} does not exist (create it first)`,
    );
  });

  it("says it listens once and stops once", async () => {
    const cli = await harness.start(["mint", "--port", "0", "--db", ":memory:"]);
    await cli.waitFor(/TESTNET ONLY — not real money: fake Lightning/);
    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
    const all = `${cli.stdout()}${cli.stderr()}`;
    expect(all.match(/listening on/g)).toHaveLength(1);
    expect(all.match(/stopped/g)).toHaveLength(1);
  });
});
