import { float32ToFloat16Bits } from "./f16.js";

/** Values per block of ggml's legacy quantisations Q8_0 and Q4_0 (ggml-common.h, QK8_0 = QK4_0 = 32). */
export const QUANT_BLOCK = 32;

/** Bytes per block: an F16 scale, then 32 signed bytes (Q8_0) or 32 packed nibbles (Q4_0). */
export const Q8_0_BLOCK_BYTES = 2 + QUANT_BLOCK;
export const Q4_0_BLOCK_BYTES = 2 + QUANT_BLOCK / 2;

/**
 * Q8_0, as ggml's reference quantiser writes it: per block, scale d = max|x| / 127 and q = round(x / d).
 * Real models are shipped quantised; these formats let a generated model have the same memory traffic.
 */
export function quantiseQ8_0(data: Float32Array): Uint8Array {
  const out = new Uint8Array(blockCount(data) * Q8_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  for (let block = 0, at = 0; block < data.length; block += QUANT_BLOCK, at += Q8_0_BLOCK_BYTES) {
    let amax = 0;
    for (let i = 0; i < QUANT_BLOCK; i++) amax = Math.max(amax, Math.abs(data[block + i]!));
    const scale = amax / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    view.setUint16(at, float32ToFloat16Bits(scale), true);
    for (let i = 0; i < QUANT_BLOCK; i++) view.setInt8(at + 2 + i, roundHalfAway(data[block + i]! * inverse));
  }
  return out;
}

/**
 * Q4_0, as ggml's reference quantiser writes it: per block, d = (the value of largest magnitude) / -8 and
 * q = clamp(trunc(x / d + 8.5), 0, 15); element i is the low nibble of byte i, element i + 16 its high nibble.
 */
export function quantiseQ4_0(data: Float32Array): Uint8Array {
  const out = new Uint8Array(blockCount(data) * Q4_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  const half = QUANT_BLOCK / 2;
  for (let block = 0, at = 0; block < data.length; block += QUANT_BLOCK, at += Q4_0_BLOCK_BYTES) {
    let extreme = 0;
    for (let i = 0; i < QUANT_BLOCK; i++) {
      const value = data[block + i]!;
      if (Math.abs(value) > Math.abs(extreme)) extreme = value;
    }
    const scale = extreme / -8;
    const inverse = scale === 0 ? 0 : 1 / scale;
    view.setUint16(at, float32ToFloat16Bits(scale), true);
    const nibble = (value: number) => Math.min(15, Math.trunc(value * inverse + 8.5));
    for (let i = 0; i < half; i++)
      out[at + 2 + i] = nibble(data[block + i]!) | (nibble(data[block + half + i]!) << 4);
  }
  return out;
}

function blockCount(data: Float32Array): number {
  if (data.length % QUANT_BLOCK !== 0)
    throw new RangeError(`quantised tensors need a multiple of ${QUANT_BLOCK} values, got ${data.length}`);
  return data.length / QUANT_BLOCK;
}

/** C's roundf: halves round away from zero (Math.round rounds them up). */
function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}
