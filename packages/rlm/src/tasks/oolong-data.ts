/**
 * The OOLONG (trec_coarse style) records shared by the OOLONG and OOLONG-Pairs tasks: one line per record,
 * `Date: <date> || User: <id> || Instance: <question>`, each with a hidden label. Users differ in activity
 * and in their label mix, so per-user questions have real answers.
 */
import { instanceOf, LABELS, type Label } from "./oolong-instances.js";
import { cumulative, type Rng } from "./random.js";
import { charsForTokens } from "./size.js";

export interface OolongData {
  lines: string[];
  /** Per record, parallel to `lines`. */
  dates: string[];
  users: Int32Array;
  labels: Uint8Array;
  /** Distinct user ids, ascending. */
  userIds: number[];
  /** counts.get(user)[labelIndex] = records of that user with that label. */
  counts: Map<number, number[]>;
  /** Hidden truth by instance text (the same text always has the same label). */
  labelOf: Map<string, Label>;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
const FIRST_DAY = Date.UTC(2022, 0, 1);
const DAYS = 1096; // 2022-01-01 … 2024-12-31

function dateLabels(): string[] {
  return Array.from({ length: DAYS }, (_, day) => {
    const date = new Date(FIRST_DAY + day * 86_400_000);
    const dd = String(date.getUTCDate()).padStart(2, "0");
    return `${MONTHS[date.getUTCMonth()]} ${dd}, ${date.getUTCFullYear()}`;
  });
}

function distinctUserIds(rng: Rng, count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(10_000 + rng.int(90_000));
  return [...ids];
}

export function generateOolongData(sizeTokens: number, rng: Rng): OolongData {
  const chars = charsForTokens(sizeTokens);
  const userCount = Math.min(2_000, Math.max(12, Math.round(chars / 80 / 30)));
  const drawnIds = distinctUserIds(rng, userCount);
  const activity = cumulative(drawnIds.map(() => 0.1 + rng.next() ** 2));
  const globalMix = LABELS.map(() => 0.4 + rng.next() * 1.6);
  const userMixes = drawnIds.map(() =>
    cumulative(globalMix.map((weight) => weight * (0.2 + rng.next() * 1.6) ** 2)),
  );
  const days = dateLabels();

  const lines: string[] = [];
  const dates: string[] = [];
  const users: number[] = [];
  const labels: number[] = [];
  const labelOf = new Map<string, Label>();
  const counts = new Map<number, number[]>(drawnIds.map((id) => [id, LABELS.map(() => 0)]));
  let length = 0;
  while (length < chars) {
    const userIndex = rng.weighted(activity);
    const user = drawnIds[userIndex]!;
    const labelIndex = rng.weighted(userMixes[userIndex]!);
    const label = LABELS[labelIndex]!;
    const text = instanceOf(label, rng);
    const date = days[rng.int(DAYS)]!;
    const line = `Date: ${date} || User: ${user} || Instance: ${text}`;
    lines.push(line);
    dates.push(date);
    users.push(user);
    labels.push(labelIndex);
    labelOf.set(text, label);
    counts.get(user)![labelIndex]!++;
    length += line.length + 1;
  }
  const userIds = drawnIds.filter((id) => sumOf(counts.get(id)!) > 0).sort((a, b) => a - b);
  return {
    lines,
    dates,
    users: Int32Array.from(users),
    labels: Uint8Array.from(labels),
    userIds,
    counts,
    labelOf,
  };
}

export function sumOf(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

const RECORD = /^Date: (.+?) \|\| User: (\d+) \|\| Instance: (.+)$/gm;

/**
 * SCRIPTED sub-model for OOLONG prompts: `<n>: <label>` for the n-th record line of the prompt (1-based),
 * labelled from the hidden truth, the compact format the scripted root asks for.
 */
export function labelRecordsInPrompt(prompt: string, labelOf: ReadonlyMap<string, Label>): string {
  const out: string[] = [];
  let n = 0;
  for (const match of prompt.matchAll(RECORD)) {
    n++;
    const label = labelOf.get(match[3]!.trim());
    if (label) out.push(`${n}: ${label}`);
  }
  return out.length > 0 ? out.join("\n") : "NONE";
}

/** The OOLONG preamble: what the lines are and which labels exist. */
export const OOLONG_PREAMBLE =
  "The context lists questions that users asked, one per line, as `Date: <date> || User: <user id> || Instance: <question>`. " +
  `Every question belongs to exactly one of six categories (labels): ${LABELS.join(", ")}. ` +
  "The labels are not written in the data: decide each question's label from its wording.";
