import { Cleanup, unusedPort } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { afterEach, describe, expect, it } from "vitest";
import { probeRelay } from "../src/relay-probe.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const byName = <C extends { check: string }>(checks: C[]) => new Map(checks.map((c) => [c.check, c]));

describe("probeRelay", () => {
  it("passes every check against the local relay: NIP-11, limitation, connect, no AUTH, write and read-back", async () => {
    const relay = await startTestRelay(cleanup, { info: { name: "probe-test" } });
    const probe = await probeRelay(relay.url, { timeoutMs: 5_000 });
    const checks = byName(probe.checks);
    expect(probe.checks.every((c) => c.ok)).toBe(true);
    expect([...checks.keys()]).toEqual(["NIP-11", "limitation", "connect", "AUTH", "write", "read-back"]);
    expect(checks.get("NIP-11")?.detail).toMatch(/^ok \(probe-test, pylon-relay /);
    expect(checks.get("connect")?.detail).toMatch(/^\d+ ms$/);
    // The local relay offers every connection a challenge; not needing it is still a pass.
    expect(checks.get("AUTH")?.detail).toBe("not required (a challenge was offered)");
    expect(probe.limitation?.max_message_length).toBe(131_072);
    expect(probe.limitation?.auth_required).toBe(false);
  });

  it("reports a relay that is down as ✗ with a fix, without throwing", async () => {
    const url = `ws://127.0.0.1:${await unusedPort()}`;
    const probe = await probeRelay(url, { timeoutMs: 2_000 });
    const checks = byName(probe.checks);
    expect(checks.get("NIP-11")?.ok).toBe(false);
    expect(checks.get("connect")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("ECONNREFUSED"),
    });
    expect(checks.get("connect")?.fix).toContain("pylon relay");
    expect(checks.has("write")).toBe(false);
  });

  it("reports a relay that requires NIP-42 AUTH for writes as ✗: Pylon's client does not answer AUTH yet", async () => {
    const relay = await startTestRelay(cleanup, { auth: { write: true, read: true } });
    const probe = await probeRelay(relay.url, { timeoutMs: 5_000 });
    const auth = byName(probe.checks).get("AUTH");
    expect(auth).toMatchObject({ ok: false, detail: expect.stringContaining("AUTH required") });
    expect(auth?.detail).toContain("does not answer it yet");
    expect(auth?.fix).toMatch(/does not require NIP-42 AUTH/);
    expect(probe.limitation?.auth_required).toBe(true);
    expect(probe.checks.filter((c) => !c.ok)).toHaveLength(1);
  });

  it("reports a relay that requires AUTH only for reads as ✗ AUTH after the write passed", async () => {
    const relay = await startTestRelay(cleanup, { auth: { read: true } });
    const probe = await probeRelay(relay.url, { timeoutMs: 5_000 });
    const checks = byName(probe.checks);
    expect(checks.get("write")?.ok).toBe(true);
    expect(checks.has("read-back")).toBe(false);
    expect(checks.get("AUTH")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^AUTH required \(auth-required: .*serves.*\)/),
    });
    expect(probe.checks.filter((c) => !c.ok)).toHaveLength(1);
  });
});
