/** llama.cpp token types (llama_token_type): how the tokenizer treats each vocabulary entry. */
export const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export interface TinyVocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  unknownId: number;
  bosId: number;
  eosId: number;
  imStartId: number;
  imEndId: number;
}

/** SentencePiece marks a preceding space with U+2581. */
const SPACE = "\u2581";

const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;

const SINGLE_CHARACTERS = [
  SPACE,
  ..."abcdefghijklmnopqrstuvwxyz",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ..."0123456789",
  ...".,!?;:'\"-()[]{}/\\_*#@=+<>|&%$~`^",
];

// Frequent English words; each is added with every prefix (▁t, ▁th, ▁the) so SentencePiece's bigram
// merges can actually reach the whole word from single characters.
const COMMON_WORDS = (
  "the a and of to in is it that for you was on are with as be this have not or by at from but what all " +
  "were when we there can an your which their if do will each about how up out them then she many some so " +
  "these would other into has more her two like him see time could no make than first been its who now " +
  "people my made over did down only way find use may water long little very after words called just where " +
  "most know number answer question hello world yes model text"
).split(" ");

export const TINY_VOCABULARY_TARGET_SIZE = 470;

/**
 * A small SentencePiece-style ("llama" tokenizer) vocabulary: special tokens, 256 byte-fallback tokens so any
 * UTF-8 text tokenizes, single characters, then whole common words while they fit the target size.
 */
export function buildTinyVocabulary(targetSize = TINY_VOCABULARY_TARGET_SIZE): TinyVocabulary {
  const tokens: string[] = [];
  const types: number[] = [];
  const seen = new Set<string>();
  const add = (text: string, type: number): void => {
    if (seen.has(text)) return;
    seen.add(text);
    tokens.push(text);
    types.push(type);
  };

  add("<unk>", TokenType.unknown);
  for (const special of SPECIAL_TOKENS.slice(1)) add(special, TokenType.control);
  for (let byte = 0; byte < 256; byte++) add(byteTokenText(byte), TokenType.byte);
  for (const character of SINGLE_CHARACTERS) add(character, TokenType.normal);

  for (const word of COMMON_WORDS) {
    const prefixes = [...word].map((_, end) => SPACE + word.slice(0, end + 1)).filter((p) => !seen.has(p));
    if (tokens.length + prefixes.length > targetSize) break;
    for (const prefix of prefixes) add(prefix, TokenType.normal);
  }

  // SentencePiece merges the adjacent pair whose result scores highest; distinct scores keep that order
  // deterministic. Control and byte tokens never take part in merges, so their score is irrelevant.
  const scores = tokens.map((_, id) => (types[id] === TokenType.normal ? -id / 100 : 0));
  return {
    tokens,
    scores,
    types,
    unknownId: 0,
    bosId: tokens.indexOf("<s>"),
    eosId: tokens.indexOf("</s>"),
    imStartId: tokens.indexOf("<|im_start|>"),
    imEndId: tokens.indexOf("<|im_end|>"),
  };
}

function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}
