import { describe, expect, it } from "vitest";
import { buildJobCancel, cancelsJob, jobCancelTagSchema, parseJobCancel } from "../src/nip09.js";
import { buildJobRequest } from "../src/nip90-request.js";
import { buyerPk, buyerSk, NOW, otherSk, sign, signed } from "./fixtures.js";

const request = sign(buildJobRequest({ now: NOW, prompt: "long job" }), buyerSk);
/** A kind-5 deletion by the buyer with these tags. */
const cancelWith = (tags: unknown[]) => signed({ kind: 5, tags });

describe("job cancellation", () => {
  it("emits kind 5 with e and k tags", () => {
    const template = buildJobCancel({ now: NOW + 5, request, reason: "changed my mind" });
    expect(template).toEqual({
      kind: 5,
      created_at: NOW + 5,
      tags: [
        ["e", request.id],
        ["k", "5050"],
      ],
      content: "changed my mind",
    });
    for (const tag of template.tags) expect(jobCancelTagSchema.safeParse(tag).success).toBe(true);
  });

  it("round-trips and applies only to the request's author", () => {
    const cancel = parseJobCancel(sign(buildJobCancel({ now: NOW, request }), buyerSk));
    expect(cancel).toMatchObject({
      ok: true,
      cancel: { author: buyerPk, eventIds: [request.id], kinds: [5050], reason: "" },
    });
    if (!cancel.ok) return;
    expect(cancelsJob(cancel.cancel, request)).toBe(true);
    expect(cancelsJob(cancel.cancel, { ...request, id: "00".repeat(32) })).toBe(false);

    const forged = parseJobCancel(sign(buildJobCancel({ now: NOW, request }), otherSk));
    expect(forged.ok && cancelsJob(forged.cancel, request)).toBe(false);
  });

  it("reads deletions without k tags and skips those about other kinds", () => {
    const bare = parseJobCancel(
      cancelWith([
        ["e", request.id],
        ["e", "junk"],
      ]),
    );
    expect(bare).toMatchObject({ ok: true, cancel: { eventIds: [request.id], kinds: [] } });
    const note = parseJobCancel(
      cancelWith([
        ["e", request.id],
        ["k", "1"],
      ]),
    );
    expect(note).toMatchObject({ ok: false, code: "unsupported" });
    expect(parseJobCancel(cancelWith([["k", "5050"]]))).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(parseJobCancel(request)).toMatchObject({ ok: false, code: "invalid" });
  });

  it("refuses to build a cancel for something that is not a job", () => {
    expect(() => buildJobCancel({ now: NOW, request: { id: request.id, kind: 1 } })).toThrow(RangeError);
    expect(() => buildJobCancel({ now: NOW, request: { id: "nope", kind: 5050 } })).toThrow(TypeError);
  });
});
