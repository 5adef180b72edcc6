/** OOLONG (trec_coarse style): aggregate questions over the labels of nearly every record. */
import {
  generateOolongData,
  labelRecordsInPrompt,
  OOLONG_PREAMBLE,
  type OolongData,
  sumOf,
} from "./oolong-data.js";
import { LABELS, type Label } from "./oolong-instances.js";
import { Rng } from "./random.js";
import { normalise, scoreExact, scoreNumeric } from "./scoring.js";
import type { BenchTask } from "./task.js";

export type OolongQuestion =
  | { type: "count"; label: Label; month?: { name: string; year: number } }
  | { type: "most-frequent" }
  | { type: "least-frequent" }
  | { type: "compare"; a: Label; b: Label }
  | { type: "user-most-frequent"; user: number };

export interface OolongTask extends BenchTask {
  kind: "oolong";
  context: string;
  spec: OolongQuestion;
}

const COMPARISONS = ["more common than", "less common than", "same frequency as"] as const;

/** Which labels the answer names: exactly one means that label was given. */
export function labelsNamed(answer: string): Label[] {
  const text = normalise(answer);
  const keys: Record<Label, RegExp> = {
    "description and abstract concept": /\b(description|abstract)\b/,
    entity: /\bentity\b/,
    "human being": /\bhuman\b/,
    "numeric value": /\bnumeric\b/,
    location: /\blocation\b/,
    abbreviation: /\babbreviation\b/,
  };
  return LABELS.filter((label) => keys[label].test(text));
}

export function scoreLabel(answer: string | null, accepted: readonly Label[]): number {
  if (answer === null) return 0;
  const named = labelsNamed(answer);
  return named.length === 1 && accepted.includes(named[0]!) ? 1 : 0;
}

function labelTotals(data: OolongData, month?: { name: string; year: number }): number[] {
  const totals = LABELS.map(() => 0);
  for (let i = 0; i < data.labels.length; i++) {
    if (month) {
      const date = data.dates[i]!;
      if (!date.startsWith(month.name) || !date.endsWith(String(month.year))) continue;
    }
    totals[data.labels[i]!]!++;
  }
  return totals;
}

/** Labels holding the extreme count (several on a tie: any of them is accepted). */
function extremes(totals: readonly number[], pick: "max" | "min"): Label[] {
  const target = pick === "max" ? Math.max(...totals) : Math.min(...totals);
  return LABELS.filter((_, index) => totals[index] === target);
}

interface Posed {
  spec: OolongQuestion;
  text: string;
  gold: string;
  score: (answer: string | null) => number;
}

function pose(data: OolongData, rng: Rng): Posed {
  const totals = labelTotals(data);
  const type = rng.pick([
    "count",
    "count-month",
    "most-frequent",
    "least-frequent",
    "compare",
    "user",
  ] as const);
  const numberHint = " Answer with a number only.";
  const labelHint = " Answer with the label only.";
  switch (type) {
    case "count":
    case "count-month": {
      const label = rng.pick(LABELS);
      if (type === "count") {
        const gold = totals[LABELS.indexOf(label)]!;
        return {
          spec: { type: "count", label },
          text: `How many questions have the label '${label}'?${numberHint}`,
          gold: String(gold),
          score: (answer) => scoreNumeric(answer, gold),
        };
      }
      const [name, , year] = data.dates[rng.int(data.dates.length)]!.split(" ") as [string, string, string];
      const month = { name, year: Number(year) };
      const gold = labelTotals(data, month)[LABELS.indexOf(label)]!;
      return {
        spec: { type: "count", label, month },
        text: `How many questions dated in ${name} ${year} have the label '${label}'?${numberHint}`,
        gold: String(gold),
        score: (answer) => scoreNumeric(answer, gold),
      };
    }
    case "most-frequent":
    case "least-frequent": {
      const accepted = extremes(totals, type === "most-frequent" ? "max" : "min");
      return {
        spec: { type },
        text: `Which label is the ${type === "most-frequent" ? "most" : "least"} common among all questions?${labelHint}`,
        gold: accepted.join(" | "),
        score: (answer) => scoreLabel(answer, accepted),
      };
    }
    case "compare": {
      const a = rng.pick(LABELS);
      const b = rng.pick(LABELS.filter((label) => label !== a));
      const [countA, countB] = [totals[LABELS.indexOf(a)]!, totals[LABELS.indexOf(b)]!];
      const gold = COMPARISONS[countA > countB ? 0 : countA < countB ? 1 : 2];
      return {
        spec: { type: "compare", a, b },
        text: `Is the label '${a}' more common than, less common than, or the same frequency as the label '${b}'? Answer with exactly one of: ${COMPARISONS.join(", ")}.`,
        gold,
        score: (answer) => scoreExact(answer, [gold, gold.replace(/ (than|as)$/, "")]),
      };
    }
    case "user": {
      const active = data.userIds.filter((id) => sumOf(data.counts.get(id)!) >= 3);
      const user = rng.pick(active.length > 0 ? active : data.userIds);
      const accepted = extremes(data.counts.get(user)!, "max");
      return {
        spec: { type: "user-most-frequent", user },
        text: `Which label occurs most often among the questions of user ${user}?${labelHint}`,
        gold: accepted.join(" | "),
        score: (answer) => scoreLabel(answer, accepted),
      };
    }
  }
}

export function generateOolong(sizeTokens: number, seed: number): OolongTask {
  const rng = new Rng(seed);
  const data = generateOolongData(sizeTokens, rng);
  const posed = pose(data, rng);
  return {
    kind: "oolong",
    seed,
    sizeTokens,
    context: data.lines.join("\n"),
    question: `${OOLONG_PREAMBLE}\n\n${posed.text}`,
    gold: posed.gold,
    spec: posed.spec,
    score: posed.score,
    oracle: (prompt) => labelRecordsInPrompt(prompt, data.labelOf),
  };
}
