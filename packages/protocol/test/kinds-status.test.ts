import { describe, expect, it } from "vitest";
import { isJobRequestKind, isJobResultKind, Kind, requestKindFor, resultKindFor } from "../src/kinds.js";
import { expirationOf, expirationTag, isExpired } from "../src/nip40.js";
import { isJobStatus, JOB_STATUSES, normaliseStatus } from "../src/status.js";

describe("kinds", () => {
  it("maps request kinds to result kinds and back", () => {
    expect(resultKindFor(Kind.TextGeneration)).toBe(Kind.TextGenerationResult);
    expect(resultKindFor(5000)).toBe(6000);
    expect(resultKindFor(5999)).toBe(6999);
    expect(requestKindFor(6050)).toBe(5050);
  });

  it("refuses kinds outside the NIP-90 ranges", () => {
    expect(() => resultKindFor(4999)).toThrow(RangeError);
    expect(() => resultKindFor(6050)).toThrow(RangeError);
    expect(() => requestKindFor(7000)).toThrow(RangeError);
    expect(isJobRequestKind(5050.5)).toBe(false);
    expect(isJobResultKind(Kind.JobFeedback)).toBe(false);
    expect(isJobResultKind(6001)).toBe(true);
  });
});

describe("normaliseStatus", () => {
  it("passes the five canonical statuses through", () => {
    for (const status of JOB_STATUSES) {
      expect(normaliseStatus(status)).toEqual({ ok: true, status, original: status });
      expect(isJobStatus(status)).toBe(true);
    }
  });

  it.each([
    ["payment_required", "payment-required"],
    ["  Payment Required ", "payment-required"],
    ["PAYMENT-REQUIRED", "payment-required"],
    ["scheduled", "processing"],
    ["Queued", "processing"],
    ["payment-rejected", "error"],
    ["payment_rejected", "error"],
    ["failed", "error"],
    ["completed", "success"],
    ["partial_result", "partial"],
  ])("reads %j as %s", (raw, status) => {
    const result = normaliseStatus(raw);
    expect(result).toEqual({ ok: true, status, original: raw });
    expect(isJobStatus(raw)).toBe(raw === status);
  });

  it("explains unknown and missing statuses", () => {
    const unknown = normaliseStatus("teleported");
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.reason).toContain("teleported");
    expect(normaliseStatus(undefined).ok).toBe(false);
    expect(normaliseStatus(42).ok).toBe(false);
    expect(normaliseStatus("").ok).toBe(false);
  });
});

describe("NIP-40", () => {
  it("reads expiration and compares against the given clock", () => {
    const event = { tags: [["p", "x"], expirationTag(1000)] };
    expect(expirationOf(event)).toBe(1000);
    expect(isExpired(event, 999)).toBe(false);
    expect(isExpired(event, 1000)).toBe(true);
    expect(isExpired({ tags: [] }, 10 ** 12)).toBe(false);
  });

  it("ignores unreadable expirations instead of guessing", () => {
    expect(expirationOf({ tags: [["expiration", "soon"]] })).toBeUndefined();
    expect(expirationOf({ tags: [["expiration", "-5"]] })).toBeUndefined();
    expect(expirationOf({ tags: [["expiration", " 77 "]] })).toBe(77);
    expect(expirationOf({ tags: [null as unknown as string[], ["expiration"]] })).toBeUndefined();
  });

  it("refuses to build a bad expiration", () => {
    expect(() => expirationTag(-1)).toThrow(RangeError);
    expect(() => expirationTag(1.5)).toThrow(RangeError);
  });
});
