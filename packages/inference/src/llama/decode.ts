import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { DecodeOutcome, JobContext } from "../job.js";
import { StopStringFilter } from "../stop-strings.js";
import type { RenderedPrompt } from "./prompt.js";
import type { StepBarrier, StepSeat } from "./step-barrier.js";

export interface SamplingSettings {
  temperature: number;
  topK: number;
  topP: number;
  seed: number | undefined;
}

/** A context sequence as a scheduler slot, with the id llama.cpp batches by. */
export interface SequenceSlot {
  sequence: LlamaContextSequence;
  id: number;
}

/** A UTF-8 character spans at most 4 bytes, so at most 4 byte-fallback tokens can be pending. */
const MAX_PENDING_TOKENS = 4;
const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Decodes one job on a context sequence. Runs concurrently with the other sequences' jobs: node-llama-cpp
 * gathers the tokens queued by every sequence into one batch per decode step, and `lockstep` makes sure
 * every generating job has queued its token before that happens.
 */
export async function decodeOnSequence(
  { sequence, id }: SequenceSlot,
  prompt: RenderedPrompt,
  sampling: SamplingSettings,
  job: JobContext<SequenceSlot>,
  lockstep: StepBarrier,
  modelName: string,
): Promise<DecodeOutcome> {
  const model = sequence.model;
  const { maxTokens, ignoreEos } = job.request;
  // Never let the sequence overflow: node-llama-cpp would silently shift the context (drop the prompt start).
  const tokenBudget = Math.min(maxTokens, sequence.contextSize - prompt.tokens.length);
  // ignoreEos (benchmarks) also ignores the template's end-of-turn text.
  const templateStops = new StopStringFilter(ignoreEos ? [] : prompt.stopStrings);

  // Every job starts from an empty KV cache: nothing of the previous job may leak into this one.
  await sequence.clearHistory();

  let outputTokens = 0;
  let finishReason: DecodeOutcome["finishReason"] = "length";
  const pending: Token[] = [];
  const recent: Token[] = []; // context for detokenizing (SentencePiece spacing depends on the previous token)

  /** Streams decoded text; false once generation should end (a stop string matched, or the job stopped). */
  const emitText = (text: string): boolean => {
    recent.push(...pending);
    if (recent.length > 8) recent.splice(0, recent.length - 8);
    pending.length = 0;
    const keepGoing = job.emit(templateStops.push(text));
    return keepGoing && !templateStops.stopped;
  };

  const tokens = sequence.evaluate(prompt.tokens, {
    temperature: sampling.temperature,
    topK: sampling.topK,
    topP: sampling.topP,
    ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
    yieldEogToken: true,
  });

  // The prompt is evaluated outside the lockstep (a long prompt must not hold the others back); from the
  // first generated token on, this job moves in step with the other generating jobs.
  let seat: StepSeat | undefined;
  try {
    while (true) {
      if (seat) await seat.arrive();
      const next = await tokens.next();
      if (next.done) break;
      seat ??= lockstep.join(id);
      const token = next.value;
      outputTokens++;
      if (!ignoreEos && (model.isEogToken(token) || prompt.stopTokens.has(token))) {
        finishReason = "stop";
        break;
      }
      pending.push(token);
      const text = model.detokenize(pending, false, recent);
      // A multi-byte character split over byte tokens decodes to U+FFFD until its last byte arrives.
      const incomplete = text.endsWith(REPLACEMENT_CHARACTER) && pending.length < MAX_PENDING_TOKENS;
      if (!incomplete && !emitText(text)) {
        finishReason = "stop";
        break;
      }
      if (job.signal.aborted || outputTokens >= tokenBudget) break;
    }
  } finally {
    seat?.leave();
    await tokens.return();
  }

  if (!job.signal.aborted && !templateStops.stopped) {
    if (pending.length > 0) emitText(model.detokenize(pending, false, recent));
    job.emit(templateStops.flush());
  }
  return {
    finishReason,
    usage: { inputTokens: prompt.tokens.length, outputTokens },
    model: modelName,
  };
}
