/**
 * Amount arithmetic shared by swap and melt: NUT-02 input fees and NUT-08 change decomposition.
 */

/** NUT-02: the fee for a set of inputs is the sum of their keysets' `input_fee_ppk`, rounded up to a unit. */
export function inputFee(feesPpk: Iterable<number>): number {
  let ppk = 0;
  for (const fee of feesPpk) ppk += fee;
  return Math.ceil(ppk / 1000);
}

/**
 * Powers of two up to `largest` summing to `amount`, largest first (so a short list of blank outputs carries
 * the most).
 */
export function splitPowersOfTwo(amount: number, largest: number): number[] {
  const parts: number[] = [];
  let rest = amount;
  while (rest >= largest * 2) {
    parts.push(largest);
    rest -= largest;
  }
  for (let bit = largest; bit >= 1 && rest > 0; bit /= 2) {
    if (rest >= bit) {
      parts.push(bit);
      rest -= bit;
    }
  }
  return parts;
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
