import { describe, expect, it } from "vitest";
import { cutAtStop, StopStringFilter } from "../src/stop-strings.js";

function stream(stops: string[], chunks: string[]) {
  const filter = new StopStringFilter(stops);
  const emitted: string[] = [];
  for (const chunk of chunks) {
    emitted.push(filter.push(chunk));
    if (filter.stopped) break;
  }
  if (!filter.stopped) emitted.push(filter.flush());
  return { text: emitted.join(""), emitted, stopped: filter.stopped };
}

describe("StopStringFilter", () => {
  it("finds a stop string split across chunks and never emits any of it", () => {
    const result = stream(["</answer>"], ["42 is it", "</ans", "wer> trailing"]);
    expect(result.text).toBe("42 is it");
    expect(result.stopped).toBe(true);
    expect(result.emitted.join("")).not.toContain("<");
  });

  it("holds back a possible prefix, then releases it when it turns out not to be one", () => {
    const filter = new StopStringFilter(["STOP"]);
    expect(filter.push("abc ST")).toBe("abc ");
    expect(filter.push("ART")).toBe("START");
    expect(filter.push(" S")).toBe(" ");
    expect(filter.flush()).toBe("S");
    expect(filter.stopped).toBe(false);
  });

  it("cuts at the earliest of several stop strings", () => {
    expect(stream(["b", "xyz"], ["axyzb"]).text).toBe("a");
    expect(cutAtStop("one\n\ntwo END", ["END", "\n\n"])).toEqual({ text: "one", stopped: true });
  });

  it("passes text straight through without stop strings", () => {
    const filter = new StopStringFilter([]);
    expect(filter.push("anything")).toBe("anything");
    expect(cutAtStop("anything", [])).toEqual({ text: "anything", stopped: false });
  });

  it("ignores input after the stop", () => {
    const filter = new StopStringFilter(["."]);
    expect(filter.push("done. more")).toBe("done");
    expect(filter.push("even more")).toBe("");
    expect(filter.stopped).toBe(true);
  });
});
