/**
 * The demo's SCRIPTED root for S-NIAH: deterministic Python, no language model. It probes the context,
 * splits it at sentence ends into parts, asks the market about every part with one llm_batch (paid
 * sub-calls, failed items retried once), and locates the needle ITSELF with a regex over the parts. The
 * answer is the regex's; the sub-calls' replies are only counted against it, because the demo's default
 * providers serve a random-weight model whose text is noise. With a real model (`--model`) the count shows
 * whether the sub-calls found it too.
 */
import type { ScriptedResponder } from "@pylon/inference/scripted";
import { isForcedFinal, pyString, repl, replyIndex } from "@pylon/rlm/scripted";

export interface DemoRootOptions {
  question: string;
  /** Characters per part (one sub-call each). */
  partChars: number;
}

const PROBE = repl(`print(type(context).__name__, len(context))
print(repr(context[:160]))`);

function mapStep(question: string, partChars: number): string {
  return repl(`import re
question = ${pyString(question)}
sentences = re.split(r"(?<=[.!?]) ", context)
parts, current = [], ""
for sentence in sentences:
    if current and len(current) + 1 + len(sentence) > ${partChars}:
        parts.append(current)
        current = ""
    current = f"{current} {sentence}" if current else sentence
if current:
    parts.append(current)
prompts = [f"{question}\\n\\nAnswer with the number alone, from the text below only. If it is not there, reply NONE.\\n\\n{part}" for part in parts]
replies = llm_batch(prompts)
failed = [i for i, r in enumerate(replies) if r.startswith("Error:")]
if failed:
    for i, r in zip(failed, llm_batch([prompts[i] for i in failed])):
        replies[i] = r
print(f"{len(parts)} parts sent as sub-calls; {len(failed)} retried; {sum(r.startswith('Error:') for r in replies)} still failing")`);
}

// The scripted root cannot read, so its code finds the needle: the key comes from the question.
const LOCATE = repl(`key = re.search(r"magic number for (\\S+) mentioned", question).group(1)
needle = re.compile(r"magic numbers? for " + re.escape(key) + r" is: (\\d+)")
located = [(i, m.group(1)) for i, part in enumerate(parts) for m in [needle.search(part)] if m]
best = located[0][1] if located else "not found"
agreeing = sum(best in reply for reply in replies) if located else 0
if located:
    print(f"regex: the needle is in part {located[0][0] + 1} of {len(parts)}: {best}")
    print(f"sub-call replies naming {best}: {agreeing} of {len(replies)}")
    print(f"the sub-call for that part replied: {replies[located[0][0]][:80]!r}")
else:
    print("regex: no needle found")`);

export function demoRoot(options: DemoRootOptions): ScriptedResponder {
  return (request) => {
    if (isForcedFinal(request)) return "FINAL_VAR(best)";
    switch (replyIndex(request)) {
      case 0:
        return `A look at the context first.\n\n${PROBE}`;
      case 1:
        return `I ask the market about every part.\n\n${mapStep(options.question, options.partChars)}`;
      default:
        return `Scripted root: I locate the needle with a regex and compare the sub-calls' replies.\n\n${LOCATE}\n\nFINAL_VAR(best)`;
    }
  };
}
