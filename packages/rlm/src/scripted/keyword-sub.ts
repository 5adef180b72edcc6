/**
 * A SCRIPTED sub-model for demos without a model (`--sub scripted`): it answers with the sentence of its
 * prompt that shares the most words with the prompt's first paragraph (the question), or NONE. It reads, it
 * does not understand; it only makes the engine's plumbing visible end to end.
 */
import type { ScriptedResponder } from "@pylon/inference/scripted";

const STOP_WORDS = new Set(
  "the a an of in on for to is are was were what which who whom how when where why does do did and or with from by this that it as at be mentioned provided text".split(
    " ",
  ),
);

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9-]+/)
      .filter((word) => word.length > 1 && !STOP_WORDS.has(word)),
  );
}

export const keywordSub: ScriptedResponder = (request) => {
  const prompt = request.prompt ?? request.messages?.map((m) => m.content).join("\n\n") ?? "";
  const split = prompt.indexOf("\n\n");
  const question = words(split >= 0 ? prompt.slice(0, split) : prompt);
  const body = split >= 0 ? prompt.slice(split + 2) : "";
  let best = "";
  let bestScore = 1; // at least two shared words
  for (const sentence of body.split(/(?<=[.!?])\s+|\n+/)) {
    let score = 0;
    for (const word of words(sentence)) if (question.has(word)) score++;
    if (score > bestScore) {
      best = sentence.trim();
      bestScore = score;
    }
  }
  return best || "NONE";
};
