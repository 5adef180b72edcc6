/**
 * Real runs for the server tests: runRlm with a SCRIPTED root (a SubcallBackend replaying code) and a SCRIPTED
 * market stand-in as the sub model (answers from the prompt, named providers, sats per job, a failure when the
 * prompt asks for one), writing real trajectory logs into a temp runs folder.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type RlmResult,
  runRlm,
  type SandboxPool,
  type SubcallBackend,
  type SubcallResult,
  type TrajectoryRecord,
} from "@pylon/rlm";
import { repl } from "@pylon/rlm/scripted";

export const PROVIDERS = [
  `${"a".repeat(63)}1`,
  createHash("sha256").update("scripted provider two").digest("hex"),
  createHash("sha256").update("scripted provider three").digest("hex"),
];

/** The SCRIPTED root: per run, its replies in order (then a forced final). */
export function scriptedRoot(replies: string[]): SubcallBackend {
  const turns = new Map<string, number>();
  return {
    name: "scripted-root",
    async complete(requests) {
      return requests.map((request): SubcallResult => {
        const turn = turns.get(request.runId) ?? 0;
        turns.set(request.runId, turn + 1);
        const text = replies[turn] ?? "FINAL(out of script)";
        return {
          ok: true,
          text,
          provider: "",
          model: "scripted-root",
          latencyMs: 1,
          costSats: 0,
          usage: { inputTokens: 100, outputTokens: 20 },
        };
      });
    },
  };
}

/** The SCRIPTED sub model: "echo: <prompt>" from one of three providers, 3 sats a job; "FAIL" fails. */
export function scriptedMarket(delayMs = 0): SubcallBackend {
  return {
    name: "scripted-market",
    async complete(requests, signal) {
      return await Promise.all(
        requests.map(async (request): Promise<SubcallResult> => {
          const prompt = request.messages.map((m) => m.content).join("\n");
          if (request.messages[0]?.role === "system") {
            // A child RLM's turn (depth ≥ 1 runs on the sub model): it answers at once.
            const usage = { inputTokens: 50, outputTokens: 5 };
            const base = { provider: PROVIDERS[0]!, model: "scripted-sub", latencyMs: 2, costSats: 1, usage };
            return { ...base, ok: true, text: "FINAL(child answer)" };
          }
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          const provider = PROVIDERS[createHash("sha256").update(prompt).digest()[0]! % PROVIDERS.length]!;
          const base = {
            provider,
            model: "scripted-sub",
            latencyMs: 5,
            costSats: 3,
            usage: { inputTokens: prompt.length, outputTokens: 4 },
          };
          if (signal.aborted) return { ...base, ok: false, error: "aborted" };
          if (prompt.includes("FAIL")) return { ...base, ok: false, error: "the provider refused the job" };
          return { ...base, ok: true, text: `echo: ${prompt.slice(0, 40)}` };
        }),
      );
    },
    estimateCostSats: () => 3,
  };
}

/** Root code: one llm_batch over `parts` prompts (one asks to fail), then FINAL. */
export function batchReplies(parts: number): string[] {
  return [
    repl(`prompts = [f"part {i}: " + ("FAIL" if i == 1 else "ok") for i in range(${parts})]
answers = llm_batch(prompts)
print(len(answers), answers[0])`),
    repl(`print("checking", len(answers))`),
    "FINAL(the scripted answer)",
  ];
}

export async function scriptedRun(
  runsDir: string,
  name: string,
  pool: SandboxPool,
  options: {
    parts?: number;
    delayMs?: number;
    replies?: string[];
    budgetSats?: number;
    maxDepth?: number;
    maxIterations?: number;
    onRecord?: (record: TrajectoryRecord) => void;
  } = {},
): Promise<{ file: string; result: RlmResult }> {
  const file = join(runsDir, `${name}.jsonl`);
  const result = await runRlm({
    question: `SCRIPTED question ${name}`,
    context: "some context ".repeat(50),
    root: scriptedRoot(options.replies ?? batchReplies(options.parts ?? 5)),
    sub: scriptedMarket(options.delayMs),
    logFile: file,
    sandboxes: pool,
    ...(options.budgetSats !== undefined ? { budget: { sats: options.budgetSats } } : {}),
    ...(options.onRecord ? { onRecord: options.onRecord } : {}),
    ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
    ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
  });
  return { file, result };
}
