/**
 * OOLONG-Pairs: list every pair of users meeting a condition on their label counts, either both the same
 * condition (symmetric) or one each of two conditions (asymmetric). Quadratic in users; scored by F1.
 */
import { generateOolongData, labelRecordsInPrompt, OOLONG_PREAMBLE, type OolongData } from "./oolong-data.js";
import { LABELS, type Label } from "./oolong-instances.js";
import { Rng } from "./random.js";
import { scorePairs } from "./scoring.js";
import type { BenchTask } from "./task.js";

export interface UserCondition {
  label: Label;
  /** "at least" k records with the label, or "exactly" k. */
  op: "at least" | "exactly";
  k: number;
}

export type PairsQuestion =
  | { type: "symmetric"; condition: UserCondition }
  | { type: "asymmetric"; a: UserCondition; b: UserCondition };

export interface PairsTask extends BenchTask {
  kind: "pairs";
  context: string;
  spec: PairsQuestion;
  /** "a,b" with a < b. */
  goldPairs: Set<string>;
}

// Conditions are chosen so that few users meet them: the answer stays a list a reader can check.
const TARGET_USERS = { min: 3, max: 30 };

function meets(data: OolongData, user: number, condition: UserCondition): boolean {
  const count = data.counts.get(user)![LABELS.indexOf(condition.label)]!;
  return condition.op === "at least" ? count >= condition.k : count === condition.k;
}

function usersMeeting(data: OolongData, condition: UserCondition): number[] {
  return data.userIds.filter((user) => meets(data, user, condition));
}

/** Every condition with how many users meet it (k ranges over the counts that occur, so this stays linear). */
function candidateConditions(data: OolongData): UserCondition[] {
  const all: Array<{ condition: UserCondition; users: number }> = [];
  LABELS.forEach((label, index) => {
    const values = data.userIds.map((user) => data.counts.get(user)![index]!).sort((x, y) => y - x);
    const exactly = new Map<number, number>();
    for (const value of values) exactly.set(value, (exactly.get(value) ?? 0) + 1);
    for (const [k, users] of exactly) {
      if (k === 0) continue;
      all.push({ condition: { label, op: "exactly", k }, users });
      all.push({ condition: { label, op: "at least", k }, users: values.filter((v) => v >= k).length });
    }
  });
  const sized = all.filter(({ users }) => users >= TARGET_USERS.min && users <= TARGET_USERS.max);
  return (sized.length > 0 ? sized : all.filter(({ users }) => users >= 2)).map(({ condition }) => condition);
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}

function goldFor(data: OolongData, question: PairsQuestion): Set<string> {
  const pairs = new Set<string>();
  if (question.type === "symmetric") {
    const users = usersMeeting(data, question.condition);
    for (let i = 0; i < users.length; i++) {
      for (let j = i + 1; j < users.length; j++) pairs.add(pairKey(users[i]!, users[j]!));
    }
    return pairs;
  }
  const left = usersMeeting(data, question.a);
  const right = usersMeeting(data, question.b);
  for (const u of left) for (const v of right) if (u !== v) pairs.add(pairKey(u, v));
  return pairs;
}

function describeCondition(condition: UserCondition): string {
  const plural = condition.k === 1 ? "question" : "questions";
  return `${condition.op} ${condition.k} ${plural} with the label '${condition.label}'`;
}

export function generatePairs(sizeTokens: number, seed: number): PairsTask {
  const rng = new Rng(seed);
  const data = generateOolongData(sizeTokens, rng);
  const candidates = candidateConditions(data);
  const a = rng.pick(candidates);
  const asymmetric = rng.next() < 0.5;
  const others = candidates.filter((c) => c.label !== a.label);
  const spec: PairsQuestion =
    asymmetric && others.length > 0
      ? { type: "asymmetric", a, b: rng.pick(others) }
      : { type: "symmetric", condition: a };
  const condition =
    spec.type === "symmetric"
      ? `both users have ${describeCondition(spec.condition)}`
      : `one user has ${describeCondition(spec.a)} and the other user has ${describeCondition(spec.b)}`;
  const goldPairs = goldFor(data, spec);
  const gold = [...goldPairs]
    .map((pair) => pair.split(",").map(Number) as [number, number])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1])
    .map(([u, v]) => `(${u}, ${v})`)
    .join("\n");
  return {
    kind: "pairs",
    seed,
    sizeTokens,
    context: data.lines.join("\n"),
    question: `${OOLONG_PREAMBLE}\n\nList every pair of user IDs where ${condition}. Write each pair once, lower ID first, one pair per line as (id1, id2), and nothing else. If no pair qualifies, answer NONE.`,
    gold,
    spec,
    goldPairs,
    score: (answer) => scorePairs(answer, goldPairs),
    oracle: (prompt) => labelRecordsInPrompt(prompt, data.labelOf),
  };
}
