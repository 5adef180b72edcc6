/**
 * Reads a context from disk or stdin the way `pylon run --context` documents it:
 * - a folder: a list of str, one item per file (recursively, sorted by path, hidden files skipped);
 * - `*.jsonl`: a list of str, one item per line (a JSON string is used as is, anything else as its JSON text);
 * - `*.json`: a str, a list (items that are not strings become their JSON text) or a dict;
 * - any other file, or `-` for stdin: one str.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ContextValue } from "../sandbox/types.js";

export async function loadContext(
  source: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<ContextValue> {
  if (source === "-") return await readStream(stdin);
  const info = await stat(source);
  if (info.isDirectory()) {
    const files = await listFiles(source);
    return await Promise.all(files.map((file) => readFile(file, "utf8")));
  }
  const text = await readFile(source, "utf8");
  const extension = path.extname(source).toLowerCase();
  if (extension === ".jsonl") return parseJsonLines(text, source);
  if (extension === ".json") return fromJson(JSON.parse(text) as unknown, source);
  return text;
}

export function parseJsonLines(text: string, name = "input"): string[] {
  const items: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${name}:${index + 1} is not valid JSON`);
    }
    items.push(typeof value === "string" ? value : JSON.stringify(value));
  });
  return items;
}

function fromJson(value: unknown, name: string): ContextValue {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
  if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  throw new Error(`${name} must hold a JSON string, array or object`);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
