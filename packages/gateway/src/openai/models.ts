/**
 * `GET /v1/models` and `GET /v1/models/{id}` in OpenAI's shape, with what only the market knows (providers,
 * price, streaming) under a documented extra field `pylon`.
 */
import type { ModelEntry, ModelService } from "../service.js";
import { modelNotFound } from "./errors.js";

export function modelBody(entry: ModelEntry) {
  const pylon = {
    ...(entry.providers === undefined ? {} : { providers: entry.providers }),
    ...(entry.priceMsatsPer1kOutput === undefined
      ? {}
      : { price_msats_per_1k_output: entry.priceMsatsPer1kOutput }),
    ...(entry.streaming === undefined ? {} : { streaming: entry.streaming }),
  };
  return {
    id: entry.id,
    object: "model",
    created: entry.created,
    owned_by: entry.ownedBy,
    ...(Object.keys(pylon).length === 0 ? {} : { pylon }),
  };
}

export async function listModels(service: ModelService, signal: AbortSignal) {
  const entries = await service.models(signal);
  return { object: "list", data: entries.map(modelBody) };
}

/** One model; 404 `model_not_found` (as OpenAI words it) when the service does not list it. */
export async function retrieveModel(service: ModelService, id: string, signal: AbortSignal) {
  const entry = (await service.models(signal)).find((e) => e.id === id);
  if (!entry)
    throw modelNotFound(`The model '${id}' does not exist. GET /v1/models lists the models served now.`);
  return modelBody(entry);
}
