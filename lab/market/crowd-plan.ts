/**
 * Who is where in the crowd: each provider's pack (contiguous blocks of `perPack`), relays (round-robin, a
 * `twoRelayShare` of them on the next relay too) and price tier (shares interleaved by the golden ratio, so
 * every tier is spread over every pack and relay). Pure: the same spec always gives the same plan.
 */

export interface PlannedProvider {
  index: number;
  pack: number;
  /** Indices into the crowd's relays. */
  relays: number[];
  tier: number;
}

export interface PlanSpec {
  providers: number;
  perPack: number;
  relays: number;
  twoRelayShare: number;
  tiers: Array<{ share: number; priceFactor: number }>;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

export function planCrowd(spec: PlanSpec): PlannedProvider[] {
  checkPlan(spec);
  const total = spec.tiers.reduce((sum, t) => sum + t.share, 0);
  return Array.from({ length: spec.providers }, (_, index) => {
    const first = index % spec.relays;
    // Exactly floor(n × share) providers, evenly spaced, take a second relay.
    const two =
      spec.relays > 1 &&
      Math.floor((index + 1) * spec.twoRelayShare) > Math.floor(index * spec.twoRelayShare);
    const u = ((index * GOLDEN) % 1) * total;
    let tier = 0;
    for (let acc = spec.tiers[0]!.share; tier < spec.tiers.length - 1 && u >= acc; )
      acc += spec.tiers[++tier]!.share;
    return {
      index,
      pack: Math.floor(index / spec.perPack),
      relays: two ? [first, (first + 1) % spec.relays] : [first],
      tier,
    };
  });
}

function checkPlan(spec: PlanSpec): void {
  const bad = (what: string) => {
    throw new Error(`crowd spec: ${what}`);
  };
  if (!Number.isInteger(spec.providers) || spec.providers < 1)
    bad(`providers must be a positive integer, got ${spec.providers}`);
  if (!Number.isInteger(spec.perPack) || spec.perPack < 1)
    bad(`perPack must be a positive integer, got ${spec.perPack}`);
  if (!(spec.twoRelayShare >= 0 && spec.twoRelayShare <= 1))
    bad(`twoRelayShare must be in [0, 1], got ${spec.twoRelayShare}`);
  if (spec.tiers.length === 0 || spec.tiers.some((t) => !(t.share > 0) || !(t.priceFactor > 0)))
    bad(`tiers need positive shares and price factors, got ${JSON.stringify(spec.tiers)}`);
}
