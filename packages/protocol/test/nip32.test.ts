import { describe, expect, it } from "vitest";
import { buildVerdictLabel, MAX_VERDICT_JOBS, parseVerdictLabel, VERDICT_NAMESPACE } from "../src/nip32.js";
import { buyerPk, buyerSk, NOW, otherPk, providerPk, sign, signed } from "./fixtures.js";

const job = (n: number) => n.toString(16).padStart(64, "0");

describe("NIP-32 verdict labels", () => {
  it("builds kind 1985 in the pylon/trust namespace: L, l with its mark, p, one e per job, reason as content", () => {
    const template = buildVerdictLabel({
      provider: providerPk,
      jobIds: [job(1), job(2)],
      reason: "5 strikes in 5 checks",
      now: NOW,
    });
    expect(template).toEqual({
      kind: 1985,
      created_at: NOW,
      tags: [
        ["L", "pylon/trust"],
        ["l", "cheater", "pylon/trust"],
        ["p", providerPk],
        ["e", job(1)],
        ["e", job(2)],
      ],
      content: "5 strikes in 5 checks",
    });
  });

  it("keeps at most 50 distinct job ids and refuses ids that are not event ids", () => {
    const ids = [job(1), job(1), ...Array.from({ length: 80 }, (_, i) => job(i + 2))];
    const template = buildVerdictLabel({ provider: providerPk, jobIds: ids, reason: "", now: NOW });
    const eTags = template.tags.filter((tag) => tag[0] === "e");
    expect(eTags).toHaveLength(MAX_VERDICT_JOBS);
    expect(new Set(eTags.map((tag) => tag[1])).size).toBe(MAX_VERDICT_JOBS);
    expect(() =>
      buildVerdictLabel({ provider: providerPk, jobIds: ["job-1"], reason: "", now: NOW }),
    ).toThrow(/job id must be 64 lowercase hex characters, got "job-1"/);
    expect(() => buildVerdictLabel({ provider: "npub1xyz", jobIds: [], reason: "", now: NOW })).toThrow(
      /provider/,
    );
  });

  it("round-trips a signed label", () => {
    const template = buildVerdictLabel({ provider: providerPk, jobIds: [job(7)], reason: "junk", now: NOW });
    expect(parseVerdictLabel(sign(template, buyerSk))).toEqual({
      author: buyerPk,
      provider: providerPk,
      jobIds: [job(7)],
      reason: "junk",
      createdAt: NOW,
    });
  });

  it("reads nothing from another kind, namespace or label", () => {
    const base = [
      ["L", VERDICT_NAMESPACE],
      ["l", "cheater", VERDICT_NAMESPACE],
      ["p", providerPk],
    ];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: base }))).toBeDefined();
    expect(parseVerdictLabel(signed({ kind: 1984, tags: base }))).toBeUndefined();
    const otherNamespace = [
      ["L", "ugc"],
      ["l", "cheater", "ugc"],
      ["p", providerPk],
    ];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: otherNamespace }))).toBeUndefined();
    const otherLabel = [
      ["L", VERDICT_NAMESPACE],
      ["l", "honest", VERDICT_NAMESPACE],
      ["p", providerPk],
    ];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: otherLabel }))).toBeUndefined();
    // The mark names another namespace although the event also declares ours.
    const wrongMark = [
      ["L", VERDICT_NAMESPACE],
      ["L", "ugc"],
      ["l", "cheater", "ugc"],
      ["p", providerPk],
    ];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: wrongMark }))).toBeUndefined();
  });

  it("is lenient: an unmarked label under our L counts, junk e tags are skipped, hex case is folded", () => {
    const parsed = parseVerdictLabel(
      signed({
        kind: 1985,
        tags: [
          ["L", VERDICT_NAMESPACE],
          ["l", "cheater"],
          ["p", providerPk.toUpperCase()],
          ["e", "not-an-id"],
          ["e", job(3).toUpperCase()],
          ["e"],
        ],
      }),
    );
    expect(parsed).toMatchObject({ provider: providerPk, jobIds: [job(3)] });
  });

  it("needs exactly one provider target, and a well-formed event", () => {
    const ns = [
      ["L", VERDICT_NAMESPACE],
      ["l", "cheater", VERDICT_NAMESPACE],
    ];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: ns }))).toBeUndefined();
    const two = [...ns, ["p", providerPk], ["p", otherPk]];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: two }))).toBeUndefined();
    const same = [...ns, ["p", providerPk], ["p", providerPk]];
    expect(parseVerdictLabel(signed({ kind: 1985, tags: same }))?.provider).toBe(providerPk);
    expect(parseVerdictLabel(null)).toBeUndefined();
    expect(parseVerdictLabel({ kind: 1985, tags: ns })).toBeUndefined();
  });
});
