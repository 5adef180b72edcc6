/**
 * `pylon doctor`'s relay checks: the NIP-11 document, how long a connection takes, whether the relay demands
 * NIP-42 AUTH, and a signed write read back by id. It speaks the wire protocol over one raw socket (not the
 * pool) so it can see what the pool hides: the AUTH challenge, the exact OK reason, the connect time.
 * It never changes anything but the one short-lived (NIP-40) test event it writes.
 */
import { generateSecretKey } from "nostr-tools/pure";
import WebSocket from "ws";
import { signEvent } from "./sign.js";

/** One line of the report: what was checked, whether it passed, and what to do when it did not. */
export interface RelayCheck {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface RelayProbe {
  relay: string;
  checks: RelayCheck[];
  /** NIP-11 `limitation`, as the relay published it (absent when there was no document). */
  limitation?: Record<string, unknown>;
}

export interface RelayProbeOptions {
  /** Bound on each step (HTTP fetch, connect, OK, read-back). Default 5 s. */
  timeoutMs?: number;
  /** Signs the test event; a throwaway key by default (the probe must not need the node's key). */
  secretKey?: Uint8Array;
}

/** Probes one relay; never throws, every failure is a ✗ line with its fix. */
export async function probeRelay(url: string, options: RelayProbeOptions = {}): Promise<RelayProbe> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const probe: RelayProbe = { relay: url, checks: [] };
  const info = await fetchRelayInfo(url, timeoutMs);
  if (info.ok) {
    const doc = info.document;
    const what = [doc.name, doc.software && `${doc.software}${doc.version ? ` ${doc.version}` : ""}`]
      .filter((s): s is string => typeof s === "string" && s !== "")
      .join(", ");
    probe.checks.push({ check: "NIP-11", ok: true, detail: `ok (${what || "no name"})` });
    if (isRecord(doc.limitation)) {
      probe.limitation = doc.limitation;
      probe.checks.push({ check: "limitation", ok: true, detail: describeLimitation(doc.limitation) });
    }
  } else {
    probe.checks.push({
      check: "NIP-11",
      ok: false,
      detail: info.reason,
      fix: "check the URL and that the relay is running; a relay should answer Accept: application/nostr+json",
    });
  }
  probe.checks.push(...(await probeSocket(url, timeoutMs, options.secretKey ?? generateSecretKey())));
  return probe;
}

/** Short, stable summary of the limits that matter to Pylon. */
function describeLimitation(limitation: Record<string, unknown>): string {
  const keys = [
    "max_message_length",
    "max_content_length",
    "max_subscriptions",
    "max_limit",
    "auth_required",
    "payment_required",
    "restricted_writes",
  ];
  const parts = keys.filter((k) => limitation[k] !== undefined).map((k) => `${k}=${String(limitation[k])}`);
  return parts.join(" ") || "none published";
}

type InfoResult = { ok: true; document: Record<string, unknown> } | { ok: false; reason: string };

/** NIP-11: GET the relay's http(s) URL with Accept: application/nostr+json. */
async function fetchRelayInfo(url: string, timeoutMs: number): Promise<InfoResult> {
  const httpUrl = url.replace(/^ws(s?):\/\//i, "http$1://");
  try {
    const response = await fetch(httpUrl, {
      headers: { accept: "application/nostr+json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return { ok: false, reason: `no NIP-11 document (HTTP ${response.status})` };
    const document: unknown = await response.json();
    if (!isRecord(document)) return { ok: false, reason: "the NIP-11 document is not a JSON object" };
    return { ok: true, document };
  } catch (err) {
    return { ok: false, reason: `unreachable (${describeError(err)})` };
  }
}

/** Connects, notes any AUTH challenge, writes a short-lived kind-1 event and reads it back by id. */
async function probeSocket(url: string, timeoutMs: number, secretKey: Uint8Array): Promise<RelayCheck[]> {
  const checks: RelayCheck[] = [];
  const started = performance.now();
  let socket: WebSocket;
  let inbox: Inbox;
  try {
    ({ socket, inbox } = await connect(url, timeoutMs));
  } catch (err) {
    checks.push({
      check: "connect",
      ok: false,
      detail: `cannot connect (${describeError(err)})`,
      fix: `start the relay or fix the URL (\`pylon relay\` runs a local one); check with \`curl -H 'Accept: application/nostr+json' ${url.replace(/^ws/i, "http")}\``,
    });
    return checks;
  }
  try {
    checks.push({ check: "connect", ok: true, detail: `${Math.round(performance.now() - started)} ms` });
    const io = await writeAndReadBack(socket, inbox, timeoutMs, secretKey);
    // A write or read refused as auth-required is the AUTH check failing, not the relay being broken.
    if (io.authRefusal !== undefined) {
      checks.push({
        check: "AUTH",
        ok: false,
        detail: `AUTH required (${io.authRefusal}): Pylon's client does not answer it yet`,
        fix: "use a relay that does not require NIP-42 AUTH for writes and reads",
      });
      checks.push(...io.checks); // a write that passed before the read was refused
      return checks;
    }
    const challenged = inbox.seen((m) => m[0] === "AUTH");
    checks.push({
      check: "AUTH",
      ok: true,
      detail: challenged ? "not required (a challenge was offered)" : "not required",
    });
    checks.push(...io.checks);
    return checks;
  } finally {
    socket.terminate();
  }
}

/** The write and read-back checks; stops at the first failure, noting a refusal that asks for AUTH. */
async function writeAndReadBack(
  socket: WebSocket,
  inbox: Inbox,
  timeoutMs: number,
  secretKey: Uint8Array,
): Promise<{ checks: RelayCheck[]; authRefusal?: string }> {
  const now = Math.floor(Date.now() / 1000);
  const event = signEvent(
    {
      kind: 1,
      content: "pylon doctor: write and read-back check",
      tags: [["expiration", String(now + 60)]], // NIP-40: the relay drops it within a minute
      created_at: now,
    },
    secretKey,
  );
  socket.send(JSON.stringify(["EVENT", event]));
  const ok = await inbox.next((m) => m[0] === "OK" && m[1] === event.id, timeoutMs);
  if (ok === undefined) {
    const detail = `no OK for the test event within ${timeoutMs} ms`;
    return {
      checks: [
        {
          check: "write",
          ok: false,
          detail,
          fix: "the relay is overloaded or not a Nostr relay; try another",
        },
      ],
    };
  }
  if (ok[2] !== true) {
    const reason = String(ok[3]);
    if (reason.startsWith("auth-required")) return { checks: [], authRefusal: reason };
    const fix =
      "use a relay that accepts kind-1 events from any key (Pylon's job events are published the same way)";
    return { checks: [{ check: "write", ok: false, detail: `refused: ${reason}`, fix }] };
  }
  const checks: RelayCheck[] = [
    { check: "write", ok: true, detail: `event ${event.id.slice(0, 12)}… accepted` },
  ];
  socket.send(JSON.stringify(["REQ", "doctor", { ids: [event.id] }]));
  const back = await inbox.next(
    (m) => m[1] === "doctor" && (m[0] === "EVENT" || m[0] === "EOSE" || m[0] === "CLOSED"),
    timeoutMs,
  );
  if (back?.[0] === "CLOSED" && String(back[2]).startsWith("auth-required"))
    return { checks, authRefusal: String(back[2]) };
  if (back?.[0] === "EVENT" && isRecord(back[2]) && back[2].id === event.id) {
    checks.push({ check: "read-back", ok: true, detail: "the test event came back by id" });
  } else {
    const detail =
      back === undefined
        ? `no answer within ${timeoutMs} ms`
        : `not returned (${[back[0], ...back.slice(2)].map(String).join(" ")})`;
    checks.push({
      check: "read-back",
      ok: false,
      detail,
      fix: "the relay accepts but does not serve events; use another",
    });
  }
  socket.send(JSON.stringify(["CLOSE", "doctor"]));
  return { checks };
}

/** Opens the socket with its inbox listening from the start: a relay's AUTH challenge can come with the upgrade. */
function connect(url: string, timeoutMs: number): Promise<{ socket: WebSocket; inbox: Inbox }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const inbox = new Inbox(socket);
    socket.once("open", () => {
      socket.removeAllListeners("error");
      socket.on("error", () => {});
      resolve({ socket, inbox });
    });
    socket.once("error", (err) => {
      socket.on("error", () => {}); // a late second error must not be unhandled
      reject(err);
    });
  });
}

/** The messages a socket received, and a bounded wait for the next one that matches. */
class Inbox {
  readonly #messages: unknown[][] = [];
  #waiter: (() => void) | undefined;
  #closed = false;

  constructor(socket: WebSocket) {
    socket.on("message", (data) => {
      try {
        const message: unknown = JSON.parse(String(data));
        if (Array.isArray(message)) this.#messages.push(message);
      } catch {
        return; // not JSON: a broken relay, which the checks report by what never arrives
      }
      this.#waiter?.();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#waiter?.();
    });
  }

  seen(match: (m: unknown[]) => boolean): boolean {
    return this.#messages.some(match);
  }

  async next(match: (m: unknown[]) => boolean, timeoutMs: number): Promise<unknown[] | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
