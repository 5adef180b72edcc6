/**
 * Memory of another process, read by the host. The child cannot watch itself: while a cell runs, its only
 * thread is busy in Python, so the limit is enforced from outside by sampling /proc (Linux).
 */
import { readFileSync } from "node:fs";

export interface ProcessMemory {
  rssBytes: number;
  /** Peak resident set size ("high water mark") over the process's life. */
  peakRssBytes: number;
}

function field(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : undefined;
}

/** Returns undefined where /proc is unavailable or the process is gone. */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const rssBytes = field(status, "VmRSS");
  if (rssBytes === undefined) return undefined;
  return { rssBytes, peakRssBytes: field(status, "VmHWM") ?? rssBytes };
}
