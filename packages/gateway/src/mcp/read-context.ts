/**
 * The RLM's context from `rlm_query`'s files, folders and text, read as `pylon run --context` reads one
 * source (@pylon/rlm loadContext: a folder is a list of its files, `*.jsonl` a list of lines, `*.json` its
 * value). One file alone stays one string; several sources become one list of documents, in the order given
 * (paths first, then text).
 */
import { loadContext } from "@pylon/rlm";

export interface ReadContext {
  context: string | string[];
  documents: number;
  chars: number;
}

/** Reads `paths` (already confined to the roots) and appends `text`. */
export async function readContext(
  paths: readonly string[],
  text: string | string[] | undefined,
): Promise<ReadContext> {
  const parts: Array<string | string[]> = [];
  for (const file of paths) parts.push(asDocuments(await loadContext(file)));
  if (text !== undefined) parts.push(text);
  const context = parts.length === 1 ? parts[0]! : parts.flat();
  const documents = typeof context === "string" ? 1 : context.length;
  const chars = typeof context === "string" ? context.length : context.reduce((n, doc) => n + doc.length, 0);
  return { context, documents, chars };
}

/** The service takes a string or a list; a JSON object file becomes its JSON text. */
function asDocuments(value: unknown): string | string[] {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
  return JSON.stringify(value);
}
