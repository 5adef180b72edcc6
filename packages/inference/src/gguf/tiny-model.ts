import { writeFile } from "node:fs/promises";
import {
  encodeGguf,
  type GgmlTensorTypeName,
  type GgufMetadataValue,
  type GgufTensorSpec,
} from "./gguf-writer.js";
import { createPrng } from "./prng.js";
import { buildTinyVocabulary, type TinyVocabulary, TokenType } from "./tiny-vocab.js";

export interface TinyGgufOptions {
  /** Seed for the weights; the same options always produce byte-identical files. Default 1. */
  seed?: number;
  /** Transformer blocks. Default 2. */
  layers?: number;
  /** Embedding width. Default 64. */
  embedding?: number;
  /** Attention heads; must divide `embedding`, and the head size must be even (RoPE). Default 4. */
  heads?: number;
  /** Key/value heads (grouped-query attention); must divide `heads`. Default 2. */
  kvHeads?: number;
  /** Feed-forward width. Default 128. */
  ffn?: number;
  /** Training context length written to the metadata. Default 2048. */
  contextLength?: number;
  /**
   * How the weight matrices are stored (norm vectors stay F32, as ggml expects). The quantised types need
   * `embedding` and `ffn` to be multiples of 32. Default "f32".
   */
  weights?: GgmlTensorTypeName;
  /**
   * Spread of the output logits (the output projection's scale times sqrt(embedding)). Higher is a more
   * confident model: near-ties between the two likeliest tokens get rarer, so greedy text depends less on
   * floating-point order (batch composition, hardware), as with a trained model. Default 3.
   */
  logitScale?: number;
}

/** ChatML, so node-llama-cpp (and llama.cpp) recognise the template and pick their ChatML chat wrapper. */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

type ResolvedOptions = Required<TinyGgufOptions>;

/** llama_ftype: ALL_F32, MOSTLY_F16, MOSTLY_Q4_0, MOSTLY_Q8_0. */
const FILE_TYPE: Record<GgmlTensorTypeName, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };

/**
 * A valid llama-architecture GGUF v3 model with deterministic random weights: useless as a language model,
 * but it exercises the whole real inference path (tokenizer, chat template, sampling, batching) offline.
 */
export function generateTinyGguf(options: TinyGgufOptions = {}): Uint8Array {
  const resolved = resolveOptions(options);
  const vocabulary = buildTinyVocabulary();
  const headSize = resolved.embedding / resolved.heads;

  const metadata: Array<readonly [string, GgufMetadataValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: `pylon-tiny-seed${resolved.seed}` }],
    ["general.file_type", { type: "uint32", value: FILE_TYPE[resolved.weights] }],
    ["llama.vocab_size", { type: "uint32", value: vocabulary.tokens.length }],
    ["llama.context_length", { type: "uint32", value: resolved.contextLength }],
    ["llama.embedding_length", { type: "uint32", value: resolved.embedding }],
    ["llama.block_count", { type: "uint32", value: resolved.layers }],
    ["llama.feed_forward_length", { type: "uint32", value: resolved.ffn }],
    ["llama.attention.head_count", { type: "uint32", value: resolved.heads }],
    ["llama.attention.head_count_kv", { type: "uint32", value: resolved.kvHeads }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 }],
    ["llama.rope.dimension_count", { type: "uint32", value: headSize }],
    ["llama.rope.freq_base", { type: "float32", value: 10000 }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "array", itemType: "float32", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: vocabulary.types }],
    ["tokenizer.ggml.bos_token_id", { type: "uint32", value: vocabulary.bosId }],
    ["tokenizer.ggml.eos_token_id", { type: "uint32", value: vocabulary.eosId }],
    ["tokenizer.ggml.unknown_token_id", { type: "uint32", value: vocabulary.unknownId }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    // Llama-2-style SentencePiece would insert a space after every control token ("<|im_start|> user");
    // ChatML models are trained without it.
    ["tokenizer.ggml.add_space_prefix", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "string", value: TINY_CHAT_TEMPLATE }],
  ];

  return encodeGguf({
    metadata,
    tensors: buildTensors(resolved, vocabulary.tokens.length, byteTokenIds(vocabulary)),
  });
}

/** Writes the tiny model to `path` and returns its size in bytes. */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<number> {
  const bytes = generateTinyGguf(options);
  await writeFile(path, bytes);
  return bytes.length;
}

function buildTensors(
  options: ResolvedOptions,
  vocabularySize: number,
  byteTokens: readonly number[],
): GgufTensorSpec[] {
  const random = createPrng(options.seed);
  const { embedding, ffn } = options;
  const kvWidth = (embedding / options.heads) * options.kvHeads;
  const matrixType = options.weights;

  // Uniform weights scaled by 1/sqrt(fan-in) keep activations O(1) through the blocks.
  const matrix = (
    name: string,
    inputs: number,
    outputs: number,
    scale = 1 / Math.sqrt(inputs),
  ): GgufTensorSpec => {
    const data = new Float32Array(inputs * outputs);
    for (let i = 0; i < data.length; i++) data[i] = (random() * 2 - 1) * scale;
    return { name, dims: [inputs, outputs], type: matrixType, data };
  };
  const norm = (name: string): GgufTensorSpec => ({
    name,
    dims: [embedding],
    type: "f32",
    data: new Float32Array(embedding).fill(1),
  });

  // A separate output projection: tied to token_embd, the residual stream (which carries the input token's
  // embedding) makes a random model repeat its last token forever. The scale gives logits a spread of a few
  // units, so sampling at temperature 1 is varied and different seeds give different text. Byte-fallback
  // rows are zeroed so the babble is mostly words rather than stray bytes.
  const output = matrix(
    "output.weight",
    embedding,
    vocabularySize,
    options.logitScale / Math.sqrt(embedding),
  );
  for (const token of byteTokens) output.data.subarray(token * embedding, (token + 1) * embedding).fill(0);
  const tensors = [
    matrix("token_embd.weight", embedding, vocabularySize, 1),
    norm("output_norm.weight"),
    output,
  ];
  for (let layer = 0; layer < options.layers; layer++) {
    const block = `blk.${layer}`;
    tensors.push(
      norm(`${block}.attn_norm.weight`),
      matrix(`${block}.attn_q.weight`, embedding, embedding),
      matrix(`${block}.attn_k.weight`, embedding, kvWidth),
      matrix(`${block}.attn_v.weight`, embedding, kvWidth),
      matrix(`${block}.attn_output.weight`, embedding, embedding),
      norm(`${block}.ffn_norm.weight`),
      matrix(`${block}.ffn_gate.weight`, embedding, ffn),
      matrix(`${block}.ffn_up.weight`, embedding, ffn),
      matrix(`${block}.ffn_down.weight`, ffn, embedding),
    );
  }
  return tensors;
}

function resolveOptions(options: TinyGgufOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    seed: options.seed ?? 1,
    layers: options.layers ?? 2,
    embedding: options.embedding ?? 64,
    heads: options.heads ?? 4,
    kvHeads: options.kvHeads ?? 2,
    ffn: options.ffn ?? 128,
    contextLength: options.contextLength ?? 2048,
    weights: options.weights ?? "f32",
    logitScale: options.logitScale ?? 3,
  };
  if (!Number.isInteger(resolved.seed)) throw new RangeError("seed must be an integer");
  for (const key of ["layers", "embedding", "heads", "kvHeads", "ffn", "contextLength"] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1 || value > 1 << 20)
      throw new RangeError(`${key} must be an integer from 1 to ${1 << 20}, got ${value}`);
  }
  if (resolved.embedding % resolved.heads !== 0) throw new RangeError("heads must divide embedding");
  if ((resolved.embedding / resolved.heads) % 2 !== 0)
    throw new RangeError("head size (embedding/heads) must be even");
  if (resolved.heads % resolved.kvHeads !== 0) throw new RangeError("kvHeads must divide heads");
  if (!(resolved.logitScale > 0 && resolved.logitScale <= 1_000))
    throw new RangeError(`logitScale must be a number above 0 and at most 1000, got ${resolved.logitScale}`);
  if (!(resolved.weights in FILE_TYPE)) throw new RangeError(`unknown weight type ${resolved.weights}`);
  if (resolved.weights.startsWith("q") && (resolved.embedding % 32 !== 0 || resolved.ffn % 32 !== 0))
    throw new RangeError(`${resolved.weights} weights need embedding and ffn to be multiples of 32`);
  return resolved;
}

function byteTokenIds(vocabulary: TinyVocabulary): number[] {
  return vocabulary.types.flatMap((type, id) => (type === TokenType.byte ? [id] : []));
}
