/**
 * The node configuration as data: what a JSON config file, `PYLON_*` variables and CLI flags describe.
 * Unknown keys are refused (a typo must not silently fall back to a default).
 */
import { MAX_BATCH_ITEMS } from "@pylon/protocol";
import { z } from "zod";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const msats = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const relayUrl = z
  .string()
  .trim()
  .regex(/^wss?:\/\/\S+$/i, "must be a ws:// or wss:// URL");
const httpUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/\S+$/i, "must be an http(s):// URL");

/**
 * A deterministic stand-in model for tests and demos: replies with `reply`, echoes the prompt, or (`rlmRoot`)
 * plays an RLM's root, writing map-reduce REPL code over `chunkChars`-character parts for the question the
 * run's conversation asks (@pylon/rlm/scripted conversationRoot).
 */
export const scriptedModelSchema = z
  .object({
    type: z.literal("scripted"),
    reply: z.string().optional(),
    echo: z.boolean().optional(),
    rlmRoot: z.boolean().optional(),
    /** Characters per part the scripted RLM root sends to one sub-call. Default 100,000. */
    chunkChars: int(1, 100_000_000).optional(),
    /** Delay before the first token, ms. */
    latencyMs: int(0, 600_000).optional(),
    /** Delay between 4-character tokens, ms. */
    tokenLatencyMs: int(0, 60_000).optional(),
  })
  .strict()
  .refine((model) => model.reply !== undefined || model.echo === true || model.rlmRoot === true, {
    message: 'a scripted model needs "reply", "echo": true or "rlmRoot": true',
  });

/** A GGUF path, an `hf:user/repo:quant` URI or an https URL (downloaded into <dataDir>/models), or scripted. */
export const modelSourceSchema = z.union(
  [z.string().trim().min(1, "model must not be empty"), scriptedModelSchema],
  {
    error: (issue) =>
      issue.input === undefined
        ? "required: a GGUF file path, an hf:user/repo:quant URI or an https:// URL (`pylon models tiny` writes a small test model)"
        : 'must be a GGUF file path, an hf: URI, an https:// URL, or {"type": "scripted", "reply": "…"}',
  },
);

export const pricesSchema = z
  .object({
    /** Millisats per 1,000 prompt tokens. */
    inputPer1k: msats.default(0),
    /** Millisats per 1,000 generated tokens. */
    outputPer1k: msats.default(0),
    /** Floor on any job's price, millisats. */
    minimum: msats.default(0),
  })
  .strict();

export const providerConfigSchema = z
  .object({
    relays: z
      .array(relayUrl, {
        error: (issue) => (issue.input === undefined ? "required: at least one relay URL" : undefined),
      })
      .min(1, "at least one relay is needed"),
    model: modelSourceSchema,
    /** Name announced and matched against the `model` param. Default: the file name without ".gguf". */
    modelName: z.string().trim().min(1).max(256).optional(),
    /** Other names requests may use for the served model. */
    modelAliases: z.array(z.string().trim().min(1).max(256)).max(64).default([]),
    /** Serve requests whatever model they name (off: a request naming another model is refused). */
    serveAnyModel: z.boolean().default(false),
    /** Jobs generated at once (llama context sequences). */
    slots: int(1, 256).default(4),
    /** Accepted jobs that may wait for a slot; beyond it requests are refused as busy. */
    queue: int(0, 100_000).default(16),
    /**
     * Most prompts one batched request (Pylon extension) may carry; announced as `capacity.max_batch`. Each
     * item takes a slot or queue place of its own. 0 or 1: batches are refused.
     */
    maxBatch: int(0, MAX_BATCH_ITEMS).default(64),
    /**
     * Send the answer as it is generated, as `partial` feedback, to buyers who ask (`["param", "stream",
     * "true"]`; docs/protocol.md "Streaming"); announced as `"streaming": true`. Pieces are coalesced: at
     * most one per `intervalMs` per job, at most `maxPieces` per job (the result then carries the rest).
     */
    streaming: z
      .object({
        enabled: z.boolean().default(true),
        intervalMs: int(10, 60_000).default(100),
        maxPieces: int(1, 10_000).default(500),
      })
      .strict()
      .default({ enabled: true, intervalMs: 100, maxPieces: 500 }),
    /** CPU decode threads. Default: 1 for tiny models, else the core count. */
    threads: int(1, 1024).optional(),
    /** Tokens per job (prompt + output). Default: the model's, at most 4096. */
    contextSize: int(64, 1 << 24).optional(),
    gpu: z.union([z.literal("auto"), z.literal(false), z.enum(["cuda", "vulkan", "metal"])]).default("auto"),
    prices: pricesSchema.default({ inputPer1k: 0, outputPer1k: 0, minimum: 0 }),
    /** Cashu mints whose tokens are accepted (used by the payments work). */
    allowedMints: z.array(httpUrl).max(16).default([]),
    /** How Cashu payments are checked and redeemed (used when `allowedMints` is not empty). */
    payments: z
      .object({
        /** A locked proof must stay locked to us at least this long (job time + redeem margin), seconds. */
        minLockSec: int(60, 30 * 86_400).default(600),
        /** Redeem collected proofs once the earliest locktime is this close, seconds. */
        redeemLeadSec: int(10, 30 * 86_400).default(300),
        /** Also redeem once this many proofs are held (one swap per batch). */
        redeemBatch: int(1, 1_000).default(200),
        /** How often the redeem scheduler looks, seconds. */
        redeemCheckSec: int(1, 3_600).default(30),
        /** A tab takes jobs this long after its last deposit, seconds. */
        tabTtlSec: int(1, 365 * 86_400).default(86_400),
        /** How often expired tabs are refunded (and undelivered refunds sent again), seconds. */
        tabSweepSec: int(1, 86_400).default(60),
        /** A token naming an unknown keyset makes the node fetch the mint's keys again, at most this often. */
        keysetRefreshSec: int(0, 86_400).default(30),
        /**
         * Quote jobs that carry no Cashu (standard NIP-90 clients) with a Lightning invoice too: a mint quote
         * at the first allowed mint, sent as `["amount", msats, bolt11]`; the job runs once it is paid.
         */
        lightning: z.boolean().default(true),
        /** How long such a job waits for its invoice to be paid, seconds; then it is dropped unrun. */
        lightningWaitSec: int(1, 86_400).default(600),
        /** Most Lightning invoices open at once (each is a mint quote being watched). */
        lightningMaxOpen: int(1, 10_000).default(100),
      })
      .strict()
      .default({
        minLockSec: 600,
        redeemLeadSec: 300,
        redeemBatch: 200,
        redeemCheckSec: 30,
        tabTtlSec: 86_400,
        tabSweepSec: 60,
        keysetRefreshSec: 30,
        lightning: true,
        lightningWaitSec: 600,
        lightningMaxOpen: 100,
      }),
    /** Serve without payment. Off unless set: jobs then get `payment-required` and no work is done. */
    free: z.boolean().default(false),
    /** Nostr key file (nsec or hex, mode 0600). Default: <dataDir>/provider.key. */
    keyFile: z.string().trim().min(1).optional(),
    /** Holds the job database, the default key file and downloaded models. */
    dataDir: z
      .string({
        error: (issue) => (issue.input === undefined ? "required: a folder for the node's data" : undefined),
      })
      .trim()
      .min(1, "dataDir must not be empty"),
    /** Also serve requests not p-tagged to any provider. */
    serveOpen: z.boolean().default(false),
    /** Cap on output tokens per job; also the length of jobs that do not name max_tokens. */
    maxTokens: int(1, 1 << 20).default(1024),
    /** Requests older than this are ignored (replays), seconds. */
    maxAgeSec: int(10, 30 * 86_400).default(600),
    /** How often the announcement is refreshed, seconds. */
    announceIntervalSec: int(1, 86_400).default(120),
    /** On shutdown, how long running jobs may take to finish before they are failed, seconds. */
    shutdownGraceSec: z.number().min(0).max(3600).default(10),
    name: z.string().trim().min(1).max(256).default("Pylon node"),
    about: z.string().max(4096).default(""),
    /** The announcement's `d` tag. */
    handlerId: z.string().trim().min(1).max(64).default("pylon"),
  })
  .strict();

export type ScriptedModel = z.output<typeof scriptedModelSchema>;
export type ModelSource = z.output<typeof modelSourceSchema>;
/** A validated configuration with every default filled in. */
export type ProviderConfig = z.output<typeof providerConfigSchema>;
/** What a caller may write: defaults may be left out. */
export type ProviderConfigInput = z.input<typeof providerConfigSchema>;
