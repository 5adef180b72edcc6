/**
 * The body of `POST /v1/chat/completions`, validated (zod) and turned into what the service takes. Fields
 * OpenAI defines that Pylon cannot honour are refused by name (400 with `param`); fields it does not know are
 * ignored, as OpenAI's own servers ignore many.
 */
import { z } from "zod";
import type { ChatTurn } from "../service.js";
import { invalidRequest } from "./errors.js";

const part = z.object({ type: z.string(), text: z.unknown().optional() });
const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(part)]).nullish(),
  tool_calls: z.array(z.unknown()).nullish(),
  function_call: z.unknown().nullish(),
});
const count = z.int().positive();

const body = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  max_tokens: count.nullish(),
  max_completion_tokens: count.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: count.nullish(),
  user: z.string().nullish(),
  /** Pylon's extension: the RLM's context given explicitly (one text or a list of documents). */
  pylon_context: z.union([z.string(), z.array(z.string())]).nullish(),
});

export interface ChatRequest {
  model: string;
  messages: ChatTurn[];
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  stream: boolean;
  includeUsage: boolean;
  context?: string | string[];
}

/** The request in `json`, or an HttpError (400) naming the first field that is wrong. */
export function parseChatRequest(json: unknown): ChatRequest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const parsed = body.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = paramName(issue.path);
    throw invalidRequest(`Invalid value for '${param}': ${issue.message}.`, param);
  }
  const request = parsed.data;
  if (request.n != null && request.n !== 1) {
    throw invalidRequest("Only n=1 is supported: each request is one answer.", "n");
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  return {
    model: request.model,
    messages: request.messages.map((m, index) => toTurn(m, index)),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(request.temperature == null ? {} : { temperature: request.temperature }),
    ...(stop == null || stop.length === 0 ? {} : { stop: stop.filter((s) => s !== "") }),
    stream: request.stream ?? false,
    includeUsage: request.stream_options?.include_usage ?? false,
    ...(request.pylon_context == null ? {} : { context: request.pylon_context }),
  };
}

function toTurn(m: z.infer<typeof message>, index: number): ChatTurn {
  const at = `messages[${index}]`;
  if (m.role === "tool" || m.role === "function") {
    throw invalidRequest(
      `${at} has role '${m.role}': tool calling is not supported (the market's models answer in text).`,
      `${at}.role`,
    );
  }
  if (m.tool_calls != null || m.function_call != null) {
    const field = m.tool_calls != null ? "tool_calls" : "function_call";
    throw invalidRequest(`${at}.${field}: tool calling is not supported.`, `${at}.${field}`);
  }
  if (m.content == null) throw invalidRequest(`${at}.content is required.`, `${at}.content`);
  return { role: m.role === "developer" ? "system" : m.role, content: textOf(m.content, at) };
}

/** A content array's text parts joined; any other part (images, audio, files) is refused by its type. */
function textOf(content: string | z.infer<typeof part>[], at: string): string {
  if (typeof content === "string") return content;
  return content
    .map((p, index) => {
      const param = `${at}.content[${index}]`;
      if (p.type !== "text") {
        throw invalidRequest(
          `${param} is a '${p.type}' part: only text parts are supported.`,
          `${param}.type`,
        );
      }
      if (typeof p.text !== "string")
        throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
      return p.text;
    })
    .join("\n");
}

/** `["messages", 0, "content"]` → `messages[0].content`, as OpenAI names fields in its errors. */
function paramName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, key) =>
      typeof key === "number" ? `${name}[${key}]` : name === "" ? String(key) : `${name}.${String(key)}`,
    "",
  );
}
