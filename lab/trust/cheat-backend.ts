/**
 * Lab-only cheaters: a `Backend` wrapper that answers some jobs dishonestly while the node around it
 * announces, prices and charges exactly like an honest one (so only the answers can give it away).
 *   junk         every job: random words of a plausible length, no model run at all
 *   junk10       junk on a seeded 10% of jobs, the real model otherwise
 *   truncate     the real model on the prompt cut to its first quarter (characters)
 *   other-model  an honest run of a different GGUF (`inner` is that model) under the honest file's name
 *                and identity
 * `identity` is set to the identity the wrapper claims (the honest file's), as the lying provider would.
 */
import type { Backend, BackendInfo, GenerateRequest, GenerateResult } from "@pylon/inference";
import { createPrng, estimateTokens } from "@pylon/inference";
import type { ModelIdentityLike } from "./contract.js";

export const CHEATS = ["junk", "junk10", "truncate", "other-model"] as const;
export type Cheat = (typeof CHEATS)[number];

export interface CheatOptions {
  cheat: Cheat;
  /** Seeds which jobs junk10 cheats on, and the junk words. */
  seed: number;
  /** The model name to report (the honest one). */
  modelName: string;
  /** The identity to claim (the honest file's), when known. */
  identity?: ModelIdentityLike | undefined;
  /** Share of jobs junk10 cheats on. Default 0.1. */
  fraction?: number;
}

export interface CheatingBackend extends Backend {
  readonly identity?: ModelIdentityLike;
  /** Jobs served, and those answered dishonestly. */
  counts(): { jobs: number; cheated: number };
  /** The texts of the dishonest answers (to tell which answers the buyer got were bad). */
  cheatedTexts(): string[];
}

const JUNK_WORDS = (
  "the of a to in is was he for it with as his on be at by had are but from or have an they which one " +
  "you were her all she there would their we him been has when who will more no if out so said what up"
).split(" ");

export function cheatingBackend(inner: Backend, options: CheatOptions): CheatingBackend {
  const random = createPrng(options.seed);
  const fraction = options.fraction ?? 0.1;
  let jobs = 0;
  let cheated = 0;
  const texts: string[] = [];
  const bad = (result: GenerateResult): GenerateResult => {
    cheated++;
    texts.push(result.text);
    return result;
  };
  const junk = (request: GenerateRequest): GenerateResult => {
    let text = "";
    const target = 40 + Math.floor(random() * 40); // honest answers here run 50–70 characters
    while (text.length < target) text += ` ${JUNK_WORDS[Math.floor(random() * JUNK_WORDS.length)]}`;
    const prompt = request.prompt ?? request.messages?.map((m) => m.content).join("\n") ?? "";
    return {
      text,
      finishReason: "length",
      usage: { inputTokens: estimateTokens(prompt) + 8, outputTokens: request.maxTokens ?? 24 },
      timings: { queuedMs: 0, firstTokenMs: 1, totalMs: 1 },
      model: options.modelName,
    };
  };
  const truncated = (request: GenerateRequest): GenerateRequest => {
    const quarter = (text: string) => text.slice(0, Math.max(1, Math.ceil(text.length / 4)));
    if (request.prompt !== undefined) return { ...request, prompt: quarter(request.prompt) };
    const messages = [...request.messages];
    const last = messages.findLastIndex((m) => m.role === "user");
    if (last >= 0) messages[last] = { ...messages[last]!, content: quarter(messages[last]!.content) };
    return { ...request, messages };
  };
  return {
    kind: inner.kind,
    ...(options.identity ? { identity: options.identity } : {}),
    info: (): BackendInfo => ({ ...inner.info(), model: options.modelName }),
    async generate(request, generateOptions) {
      jobs++;
      switch (options.cheat) {
        case "junk":
          return bad(junk(request));
        case "junk10":
          return random() < fraction ? bad(junk(request)) : inner.generate(request, generateOptions);
        case "truncate":
          return bad({
            ...(await inner.generate(truncated(request), generateOptions)),
            model: options.modelName,
          });
        case "other-model":
          return bad({ ...(await inner.generate(request, generateOptions)), model: options.modelName });
      }
    },
    close: () => inner.close(),
    counts: () => ({ jobs, cheated }),
    cheatedTexts: () => texts,
  };
}
