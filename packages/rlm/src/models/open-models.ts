/**
 * Turns model specs into the two things an RLM run needs: a root model and a SubcallBackend. The same
 * llama file for both is loaded once and shared (its sequences serve root turns and sub-calls alike);
 * `swarm:MODEL` specs are the market (`settings.swarm`) asking for MODEL.
 */
import { type Backend, createLlamaBackend, createOpenAIBackend, type GpuSetting } from "@pylon/inference";
import { createScriptedBackend, type ScriptedResponder } from "@pylon/inference/scripted";
import { isBackend, type RootModel } from "../loop/settings.js";
import { type ApiPrice, backendSubcalls } from "../subcalls/backend-subcalls.js";
import type { SubcallBackend, SubcallRequest } from "../subcalls/types.js";
import { formatModelSpec, type ModelSpec, sameModel } from "./model-spec.js";

export interface ModelSettings {
  /** For openai specs. Default base URL: https://api.openai.com/v1. */
  openai?: { baseURL?: string; apiKey?: string; price?: ApiPrice };
  /** For llama specs. */
  llama?: { gpu?: GpuSetting; threads?: number; contextSize?: number; slots?: number };
  /** What scripted specs answer with (the caller knows the task). */
  scripted?: { root?: ScriptedResponder; sub?: ScriptedResponder };
  /** Sub-calls in flight at once; an openai backend gets as many slots. Default 4. */
  concurrency?: number;
  /** The market, for `swarm:` specs (the caller opens and closes it). */
  swarm?: SubcallBackend;
}

export interface OpenedModels {
  /** A Backend, or the market (a SubcallBackend) for a `swarm:` root. */
  root: RootModel;
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
      throw new Error("a swarm: model is not a Backend"); // openModels takes it from settings.swarm
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
  const rootModel: RootModel =
    root.kind === "swarm"
      ? askingFor(marketOf(root, settings), root.model)
      : await openBackend(root, "root", settings);
  const owned: Backend[] = isBackend(rootModel) ? [rootModel] : [];
  try {
    let subcalls: SubcallBackend;
    if ("complete" in sub) {
      subcalls = sub;
    } else if (sub.kind === "swarm") {
      subcalls = askingFor(marketOf(sub, settings), sub.model);
    } else {
      const rootBackend = isBackend(rootModel) ? rootModel : undefined;
      const shared = rootBackend !== undefined && sub.kind !== "scripted" && sameModel(root, sub);
      const subBackend = shared ? rootBackend : await openBackend(sub, "sub", settings);
      if (!shared) owned.push(subBackend);
      subcalls = backendSubcalls(subBackend, {
        concurrency: settings.concurrency ?? 4,
        ...(sub.kind === "openai" && settings.openai?.price ? { price: settings.openai.price } : {}),
      });
    }
    return {
      root: rootModel,
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

function marketOf(spec: ModelSpec, settings: ModelSettings): SubcallBackend {
  if (!settings.swarm) throw new Error(`${formatModelSpec(spec)} runs on the market: give relays`);
  return settings.swarm;
}

/** The market asking for `model` wherever a request names none (`llm_query(p, model=…)` still wins). */
function askingFor(market: SubcallBackend, model: string | undefined): SubcallBackend {
  if (model === undefined) return market;
  const named = (request: SubcallRequest): SubcallRequest => ({ ...request, model: request.model ?? model });
  const estimate = market.estimateCostSats?.bind(market);
  return {
    name: `${market.name}:${model}`,
    complete: (requests, signal) => market.complete(requests.map(named), signal),
    ...(estimate ? { estimateCostSats: (request: SubcallRequest) => estimate(named(request)) } : {}),
  };
}
