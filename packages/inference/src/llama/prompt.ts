import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { ChatMessage } from "../backend.js";
import type { NormalisedRequest } from "../request.js";

/** A request turned into what the decoder needs: prompt tokens and the template's own stop conditions. */
export interface RenderedPrompt {
  tokens: Token[];
  /** Tokens that end a reply in this chat template (besides the model's end-of-generation tokens). */
  stopTokens: ReadonlySet<Token>;
  /** Plain-text stops of the chat template, e.g. "<|im_end|>" written out as ordinary characters. */
  stopStrings: string[];
}

/**
 * Chat messages go through the model's chat template (node-llama-cpp's chat wrapper, chosen from the GGUF's
 * template); message text is tokenized as plain text, so control tokens typed by a user stay inert.
 * A raw prompt is tokenized as plain text after BOS.
 */
export function renderPrompt(
  model: LlamaModel,
  chatWrapper: () => ChatWrapper,
  request: NormalisedRequest,
): RenderedPrompt {
  if (request.messages) return renderChat(model, chatWrapper(), request.messages);

  const tokens = model.tokenize(request.prompt ?? "", false);
  const bos = model.tokens.bos;
  if (model.tokens.shouldPrependBosToken && bos !== null) tokens.unshift(bos);
  return { tokens, stopTokens: new Set(), stopStrings: [] };
}

function renderChat(model: LlamaModel, chatWrapper: ChatWrapper, messages: ChatMessage[]): RenderedPrompt {
  const chatHistory: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === "system") return { type: "system", text: message.content };
    if (message.role === "user") return { type: "user", text: message.content };
    return { type: "model", response: [message.content] };
  });
  // Ending on an assistant message means "continue this reply"; otherwise open a new one.
  if (messages.at(-1)?.role !== "assistant") chatHistory.push({ type: "model", response: [] });

  const state = chatWrapper.generateContextState({ chatHistory });
  const stopTokens = new Set<Token>();
  const stopStrings: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    if (trigger.values.every((value) => typeof value === "string")) {
      const text = trigger.values.join("");
      if (text.length > 0) stopStrings.push(text);
      continue;
    }
    // Special-token triggers (EOS, "<|im_end|>" as a control token): single tokens are matched by id.
    const tokens = trigger.tokenize(model.tokenizer);
    if (tokens.length === 1) stopTokens.add(tokens[0]!);
  }
  return { tokens: state.contextText.tokenize(model.tokenizer), stopTokens, stopStrings };
}
