/**
 * TREC-coarse-style questions ("instances") with their hidden labels. Each label has its own templates, so a
 * reader (or a model) can tell the class from the wording, and the same text never carries two labels.
 */
import type { Rng } from "./random.js";
import { ADJECTIVES, ANIMALS, COLORS, NOUNS } from "./words.js";

/** The six coarse TREC classes an OOLONG question is labelled with. */
export type Label =
  | "description and abstract concept"
  | "entity"
  | "human being"
  | "numeric value"
  | "location"
  | "abbreviation";

export const LABELS: readonly Label[] = [
  "description and abstract concept",
  "entity",
  "human being",
  "numeric value",
  "location",
  "abbreviation",
];

const PLACES = [
  "Norway",
  "Peru",
  "Kenya",
  "Vietnam",
  "Chile",
  "Portugal",
  "Canada",
  "Egypt",
  "Iceland",
  "Nepal",
  "Lisbon",
  "Osaka",
  "Denver",
  "Nairobi",
  "Quebec",
  "Glasgow",
  "Seville",
  "Krakow",
  "Hanoi",
  "Lima",
] as const;
const INVENTIONS = [
  "telescope",
  "printing press",
  "steam engine",
  "bicycle",
  "telephone",
  "compass",
  "microscope",
  "radio",
  "typewriter",
  "parachute",
  "thermometer",
  "barometer",
  "zipper",
  "stethoscope",
  "elevator",
] as const;
const ROLES = [
  "president",
  "mayor",
  "astronaut",
  "explorer",
  "governor",
  "chancellor",
  "ambassador",
] as const;
const CONCEPTS = [
  "justice",
  "entropy",
  "irony",
  "inflation",
  "democracy",
  "gravity",
  "photosynthesis",
  "nostalgia",
  "erosion",
  "metaphor",
  "friction",
  "symmetry",
  "evolution",
  "courage",
  "recursion",
] as const;
const FIRST_NAMES = [
  "Ada",
  "Boris",
  "Clara",
  "Diego",
  "Elena",
  "Farid",
  "Greta",
  "Hiro",
  "Ines",
  "Jonas",
] as const;
const LAST_NAMES = ["Lindqvist", "Moreau", "Okafor", "Petrov", "Quintana", "Rossi", "Sato", "Varga"] as const;
const ORGANISATIONS = [
  "World Health Organization",
  "European Space Agency",
  "International Monetary Fund",
  "National Weather Service",
  "United Nations",
  "Federal Reserve",
  "Red Cross",
  "World Trade Organization",
] as const;

function acronym(rng: Rng): string {
  const length = 3 + rng.int(2);
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(65 + rng.int(26));
  return text;
}

type Template = (rng: Rng) => string;

const TEMPLATES: Record<Label, Template[]> = {
  "description and abstract concept": [
    (r) => `What is the meaning of ${r.pick(CONCEPTS)} in everyday life?`,
    (r) =>
      `Why do ${r.pick(ANIMALS)}s ${r.pick(["migrate", "hibernate", "hunt at night", "live in groups"])}?`,
    (r) => `How does a ${r.pick(INVENTIONS)} work?`,
    (r) => `What is the difference between ${r.pick(CONCEPTS)} and ${r.pick(CONCEPTS)}?`,
    (r) => `How would you explain ${r.pick(CONCEPTS)} to a ${r.pick(ADJECTIVES)} child?`,
  ],
  entity: [
    (r) => `What animal is shown on the flag of ${r.pick(PLACES)}?`,
    (r) => `Which ${r.pick(COLORS)} flower grows near the ${r.pick(NOUNS)} in spring?`,
    (r) => `What instrument did the ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)} band use?`,
    (r) => `Which breed of ${r.pick(["dog", "horse", "cat", "cattle"])} is the most ${r.pick(ADJECTIVES)}?`,
    (r) => `What is the name of the ship that sailed to ${r.pick(PLACES)}?`,
  ],
  "human being": [
    (r) => `Who invented the ${r.pick(INVENTIONS)}?`,
    (r) => `Who was the first ${r.pick(ROLES)} of ${r.pick(PLACES)}?`,
    (r) => `Who wrote the book about the ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)}?`,
    (r) => `Which scientist discovered ${r.pick(CONCEPTS)}?`,
    (r) => `Who is ${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)} married to?`,
  ],
  "numeric value": [
    (r) => `How many ${r.pick(NOUNS)}s are there in ${r.pick(PLACES)}?`,
    (r) => `When was the ${r.pick(INVENTIONS)} invented?`,
    (r) => `How far is ${r.pick(PLACES)} from ${r.pick(PLACES)}?`,
    (r) => `How old was ${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)} when she retired?`,
    (r) => `What is the population of ${r.pick(PLACES)}?`,
  ],
  location: [
    (r) => `Where is the ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)} of ${r.pick(PLACES)} located?`,
    (r) => `In which city was ${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)} born?`,
    (r) => `What country borders ${r.pick(PLACES)} to the ${r.pick(["north", "south", "east", "west"])}?`,
    (r) => `Where do ${r.pick(ANIMALS)}s live in the wild?`,
    (r) => `Which river flows through ${r.pick(PLACES)}?`,
  ],
  abbreviation: [
    (r) => `What does ${acronym(r)} stand for?`,
    (r) => `What is the abbreviation for the ${r.pick(ORGANISATIONS)}?`,
    (r) => `What is the full form of ${acronym(r)}?`,
    (r) => `What is ${r.pick(ORGANISATIONS)} abbreviated as?`,
  ],
};

/** A fresh instance with `label`, drawn from that label's templates. */
export function instanceOf(label: Label, rng: Rng): string {
  return rng.pick(TEMPLATES[label])(rng);
}
