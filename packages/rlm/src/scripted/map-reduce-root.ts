/**
 * A SCRIPTED root model that solves "find it somewhere in the context" questions the way the paper's models
 * do: probe the context, split it into parts, ask the sub-model about every part with llm_batch (retrying
 * failed items once), then aggregate. Deterministic; used by tests, offline benchmarks and `--root scripted`,
 * and (conversationRoot) by provider nodes that serve a scripted root on the market.
 */
import type { GenerateRequest } from "@pylon/inference";
import type { ScriptedResponder } from "@pylon/inference/scripted";
import { isForcedFinal, lastUserMessage, pyString, questionOf, repl, replyIndex } from "./conversation.js";

export interface MapReduceRootOptions {
  question: string;
  /** Characters per part sent to one sub-call. */
  chunkChars: number;
  /** How the answer is returned: FINAL(text) after reading the output, FINAL_VAR(best), or the answer dict. */
  finish?: "FINAL" | "FINAL_VAR" | "answer";
}

const PROBE = repl(`print(type(context).__name__, len(context))
print(repr(context[:200]) if isinstance(context, str) else [str(x)[:80] for x in list(context)[:3]])`);

function mapStep(question: string, chunkChars: number): string {
  return repl(`question = ${pyString(question)}
size = ${chunkChars}
if isinstance(context, str):
    parts = [context[i:i + size] for i in range(0, len(context), size)]
elif isinstance(context, list):
    parts, current = [], ""
    for item in context:
        if current and len(current) + len(item) > size:
            parts.append(current)
            current = ""
        current += item + "\\n"
    if current:
        parts.append(current)
else:
    parts = [f"{key}: {value}" for key, value in context.items()]
prompts = [f"{question}\\n\\nAnswer only from the text below. If it does not contain the answer, reply NONE.\\n\\n{part}" for part in parts]
replies = llm_batch(prompts)
failed = [i for i, r in enumerate(replies) if r.startswith("Error:")]
print(f"{len(parts)} parts, {len(failed)} failed items")
for i in failed[:3]:
    print(replies[i])
if failed:
    retried = llm_batch([prompts[i] for i in failed])
    for i, r in zip(failed, retried):
        replies[i] = r
    print(f"retried {len(failed)}, still failing: {sum(r.startswith('Error:') for r in retried)}")
found = [r.strip() for r in replies if r.strip() and "NONE" not in r and not r.startswith("Error:")]
print(f"{len(found)} parts answered")`);
}

function reduceStep(finish: MapReduceRootOptions["finish"]): string {
  const code = `if not found:
    best = "not found"
elif len(set(found)) == 1:
    best = found[0]
else:
    best = llm_query(question + "\\n\\nCandidate answers from different parts of the text:\\n" + "\\n".join(found) + "\\n\\nReply with the single best answer.")
print("ANSWER:", best)`;
  if (finish === "answer") return repl(`${code}\nanswer = {"content": best, "ready": True}`);
  if (finish === "FINAL_VAR") return `${repl(code)}\n\nFINAL_VAR(best)`;
  return repl(code);
}

export function mapReduceRoot(options: MapReduceRootOptions): ScriptedResponder {
  return (request) => mapReduceReply(request, options);
}

export interface ConversationRootOptions {
  chunkChars: number;
  finish?: MapReduceRootOptions["finish"];
}

/**
 * mapReduceRoot for whatever question the conversation asks (the RLM's opening message, "Question: …"): a
 * root a provider can serve to any buyer's run without being told the task.
 */
export function conversationRoot(options: ConversationRootOptions): ScriptedResponder {
  return (request) => {
    const question = questionOf(request);
    if (question === undefined) return "FINAL(no question found in the conversation)";
    return mapReduceReply(request, { ...options, question });
  };
}

/** The next reply of the map-reduce script, from how far the conversation has got. */
function mapReduceReply(request: GenerateRequest, options: MapReduceRootOptions): string {
  const finish = options.finish ?? "FINAL_VAR";
  if (isForcedFinal(request)) return "FINAL_VAR(best)";
  switch (replyIndex(request)) {
    case 0:
      return `Let me look at the context first.\n\n${PROBE}`;
    case 1:
      return `I will ask the sub-model about every part.\n\n${mapStep(options.question, options.chunkChars)}`;
    case 2:
      return `Now I combine the answers.\n\n${reduceStep(finish)}`;
    default: {
      const answer = /^ANSWER: (.*)$/m.exec(lastUserMessage(request))?.[1];
      return answer === undefined ? "FINAL(not found)" : `The REPL printed the answer.\n\nFINAL(${answer})`;
    }
  }
}
