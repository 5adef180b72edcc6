/** The soak's note on tabs left open: a thousand providers' close errors as their reasons, counted. */
import { describe, expect, it } from "vitest";
import { closeProblems } from "../soak/checks.js";

describe("closeProblems", () => {
  it("counts each reason once, numbers folded, most frequent first", () => {
    const error =
      "Error: could not close every tab: 07d2aa14: JobError: no result within 13829 ms; " +
      "0a0c1194: JobError: provider refused or failed the job: cannot close the tab: no tab is open here for this key; " +
      "0e49de2c: JobError: no result within 29820 ms; 1705f98f: JobError: a; b; c";
    expect(closeProblems(error)).toBe(
      "2 × JobError: no result within N ms; " +
        "1 × JobError: provider refused or failed the job: cannot close the tab: no tab is open here for this key; " +
        "1 × JobError: a; b; c",
    );
  });
});
