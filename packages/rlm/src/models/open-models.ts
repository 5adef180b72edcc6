/**
 * Turns model specs into the two things an RLM run needs: a root Backend and a SubcallBackend. The same
 * llama file for both is loaded once and shared (its sequences serve root turns and sub-calls alike).
 */
import { type Backend, createLlamaBackend, createOpenAIBackend, type GpuSetting } from "@pylon/inference";
import { createScriptedBackend, type ScriptedResponder } from "@pylon/inference/scripted";
import { type ApiPrice, backendSubcalls } from "../subcalls/backend-subcalls.js";
import type { SubcallBackend } from "../subcalls/types.js";
import { type ModelSpec, sameModel } from "./model-spec.js";

export interface ModelSettings {
  /** For openai specs. Default base URL: https://api.openai.com/v1. */
  openai?: { baseURL?: string; apiKey?: string; price?: ApiPrice };
  /** For llama specs. */
  llama?: { gpu?: GpuSetting; threads?: number; contextSize?: number; slots?: number };
  /** What scripted specs answer with (the caller knows the task). */
  scripted?: { root?: ScriptedResponder; sub?: ScriptedResponder };
  /** Sub-calls in flight at once; an openai backend gets as many slots. Default 4. */
  concurrency?: number;
}

export interface OpenedModels {
  root: Backend;
  sub: SubcallBackend;
  close(): Promise<void>;
}

const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

async function openBackend(spec: ModelSpec, role: "root" | "sub", settings: ModelSettings): Promise<Backend> {
  switch (spec.kind) {
    case "openai":
      return createOpenAIBackend({
        baseURL: settings.openai?.baseURL || OPENAI_DEFAULT_BASE_URL,
        ...(settings.openai?.apiKey ? { apiKey: settings.openai.apiKey } : {}),
        model: spec.model,
        slots: Math.max(settings.concurrency ?? 4, 1),
      });
    case "llama": {
      const llama = settings.llama ?? {};
      return await createLlamaBackend({
        model: spec.path,
        ...(llama.gpu === undefined ? {} : { gpu: llama.gpu }),
        ...(llama.threads === undefined ? {} : { threads: llama.threads }),
        ...(llama.contextSize === undefined ? {} : { contextSize: llama.contextSize }),
        ...(llama.slots === undefined ? {} : { slots: llama.slots }),
      });
    }
    case "swarm":
      throw new Error(`${spec.model ? `swarm:${spec.model}` : "swarm"} runs on the market: give relays`);
    case "scripted": {
      const responses = settings.scripted?.[role];
      if (!responses) throw new Error(`no scripted ${role} model is available for this command`);
      return createScriptedBackend({
        responses,
        name: role,
        model: `scripted-${role}`,
        slots: 16,
        maxQueue: 100_000,
      });
    }
  }
}

/** Opens the root model and the sub model (or takes a ready SubcallBackend, e.g. the swarm). */
export async function openModels(
  root: ModelSpec,
  sub: ModelSpec | SubcallBackend,
  settings: ModelSettings = {},
): Promise<OpenedModels> {
  const rootBackend = await openBackend(root, "root", settings);
  const owned: Backend[] = [rootBackend];
  try {
    let subcalls: SubcallBackend;
    if ("complete" in sub) {
      subcalls = sub;
    } else {
      const shared = sub.kind !== "scripted" && sameModel(root, sub);
      const subBackend = shared ? rootBackend : await openBackend(sub, "sub", settings);
      if (!shared) owned.push(subBackend);
      subcalls = backendSubcalls(subBackend, {
        concurrency: settings.concurrency ?? 4,
        ...(sub.kind === "openai" && settings.openai?.price ? { price: settings.openai.price } : {}),
      });
    }
    return {
      root: rootBackend,
      sub: subcalls,
      close: async () => {
        await Promise.all(owned.map((backend) => backend.close()));
      },
    };
  } catch (error) {
    await Promise.all(owned.map((backend) => backend.close()));
    throw error;
  }
}
