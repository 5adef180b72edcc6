/**
 * @pylon/testkit/market: the whole local market for tests, on real parts over real sockets — the local relay
 * (WebSockets), the testnet mint (HTTP, driven by cashu-ts), buyer wallets funded from it, and provider nodes
 * (`startProvider`) serving a SCRIPTED backend, free or paid. One set of default prices for every test.
 */

// All of it at once.
export { type LocalMarket, type LocalMarketSpec, startLocalMarket } from "./local-market.js";
// Provider nodes on a scripted backend that counts its calls.
export {
  countingBackend,
  echoAnswer,
  MODEL,
  PRICES,
  type ScriptedNode,
  type ScriptedNodeSpec,
  scriptedNode,
} from "./nodes.js";
// A relay nobody here wrote (@nostr-relay/core on SQLite), over real WebSockets.
export { type ForeignRelay, type ForeignRelayOptions, startForeignRelay } from "./foreign-relay.js";
// Which relay a market runs on.
export { type MarketRelay, type MarketRelayChoice, startMarketRelay } from "./market-relay.js";
// A proxy before a mint that can hold one request past its client's timeout (a busy mint answering late).
export { type LateMint, startLateMint } from "./late-mint.js";
// The relay and the mint, closed at cleanup.
export { startTestMint, startTestRelay } from "./servers.js";
// A buyer's wallet on temp files, funded from the local mint.
export { fundedWallet } from "./wallet.js";
