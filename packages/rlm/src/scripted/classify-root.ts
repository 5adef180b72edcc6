/**
 * A SCRIPTED root model for OOLONG and OOLONG-Pairs: it has the sub-model label every record (llm_batch over
 * groups of lines, failed items retried once), parses the labels into `records`, and computes the answer in
 * Python. The task's structured question decides which aggregation it writes, as a model would from the text.
 */
import type { ScriptedResponder } from "@pylon/inference/scripted";
import type { OolongQuestion } from "../tasks/oolong.js";
import { LABELS } from "../tasks/oolong-instances.js";
import type { PairsQuestion, UserCondition } from "../tasks/oolong-pairs.js";
import { isForcedFinal, pyString, repl, replyIndex } from "./conversation.js";

const HELPERS = `from collections import Counter
LABELS = ${JSON.stringify(LABELS)}
def totals(month=None):
    counts = Counter({label: 0 for label in LABELS})
    for user, date, label in records:
        if month is None or (date.startswith(month[0]) and date.endswith(str(month[1]))):
            counts[label] += 1
    return counts
def per_user():
    table = {}
    for user, date, label in records:
        table.setdefault(user, Counter())[label] += 1
    return table
def meets(counts, label, op, k):
    n = counts.get(label, 0)
    return n >= k if op == "at least" else n == k
def pair_lines(pairs):
    return "\\n".join(f"({a}, {b})" for a, b in sorted(pairs)) or "NONE"`;

function condition(c: UserCondition): string {
  return `${pyString(c.label)}, ${pyString(c.op)}, ${c.k}`;
}

function aggregation(spec: OolongQuestion | PairsQuestion): string {
  switch (spec.type) {
    case "count":
      return `result = totals(${spec.month ? `(${pyString(spec.month.name)}, ${spec.month.year})` : ""})[${pyString(spec.label)}]`;
    case "most-frequent":
      return "counts = totals()\nresult = max(LABELS, key=lambda label: counts[label])";
    case "least-frequent":
      return "counts = totals()\nresult = min(LABELS, key=lambda label: counts[label])";
    case "compare":
      return `counts = totals()
a, b = counts[${pyString(spec.a)}], counts[${pyString(spec.b)}]
result = "more common than" if a > b else "less common than" if a < b else "same frequency as"`;
    case "user-most-frequent":
      return `counts = per_user().get(${spec.user}, Counter())\nresult = max(LABELS, key=lambda label: counts[label])`;
    case "symmetric":
      return `users = sorted(u for u, c in per_user().items() if meets(c, ${condition(spec.condition)}))
result = pair_lines((a, b) for i, a in enumerate(users) for b in users[i + 1:])`;
    case "asymmetric":
      return `table = per_user()
left = [u for u, c in table.items() if meets(c, ${condition(spec.a)})]
right = [u for u, c in table.items() if meets(c, ${condition(spec.b)})]
result = pair_lines({(min(u, v), max(u, v)) for u in left for v in right if u != v})`;
  }
}

// Records per sub-call: few enough that one short label line per record fits in the reply.
const RECORDS_PER_CALL = 250;

function labelStep(chunkChars: number): string {
  return repl(`import re
lines = context.split("\\n")
per_group = max(1, min(${RECORDS_PER_CALL}, ${chunkChars} // (max(len(line) for line in lines[:100]) + 1)))
groups = [lines[i:i + per_group] for i in range(0, len(lines), per_group)]
instruction = ("Label each question below with one of: " + ", ".join(${JSON.stringify(LABELS)}) +
    ". Reply with one line per question, numbered from 1 in the order given: <n>: <label>\\n\\n")
prompts = [instruction + "\\n".join(g) for g in groups]
replies = llm_batch(prompts)
failed = [i for i, r in enumerate(replies) if r.startswith("Error:")]
if failed:
    for i, r in zip(failed, llm_batch([prompts[i] for i in failed])):
        replies[i] = r
record_line = re.compile(r"Date: (.+?) \\|\\| User: (\\d+) \\|\\| Instance:")
records = []
for group, reply in zip(groups, replies):
    labels = dict((int(n), label.strip()) for n, label in re.findall(r"^\\s*(\\d+)\\s*[:.)]\\s*(.+)$", reply, re.M))
    for n, line in enumerate(group, 1):
        m = record_line.match(line)
        if m and n in labels:
            records.append((int(m.group(2)), m.group(1), labels[n]))
print(len(lines), "lines,", len(groups), "groups,", len(records), "labelled,", len(failed), "retried")`);
}

export interface ClassifyRootOptions {
  spec: OolongQuestion | PairsQuestion;
  chunkChars: number;
}

export function classifyRoot(options: ClassifyRootOptions): ScriptedResponder {
  return (request) => {
    if (isForcedFinal(request)) return "FINAL_VAR(result)";
    switch (replyIndex(request)) {
      case 0:
        return `First, a look at the records.\n\n${repl("print(len(context))\nprint(context[:300])")}`;
      case 1:
        return `I will have the sub-model label every record.\n\n${labelStep(options.chunkChars)}`;
      default:
        return `Now the aggregation.\n\n${repl(`${HELPERS}\n${aggregation(options.spec)}\nprint(result)`)}\n\nFINAL_VAR(result)`;
    }
  };
}
