import WebSocket from "ws";

export interface SocketOptions {
  /** Largest accepted message; bigger ones close the connection (ws's own limit, enforced while reading). */
  maxPayload: number;
  /** Ping period in ms; a socket that has not answered the previous ping by the next tick is terminated. */
  heartbeatMs: number;
}

/**
 * A `ws` WebSocket class for nostr-tools' AbstractRelay, built per relay connection.
 *
 * - It can never throw an unhandled 'error' event. AbstractRelay detaches its handlers (`onerror = null`) and
 *   then calls `close()` when it gives up on a socket; closing a CONNECTING `ws` socket emits 'error' on the
 *   next tick, and with no listener left EventEmitter would throw and kill the process. The permanent
 *   listener absorbs that and reports the error text, so the pool can say *why* a relay is unreachable.
 * - It runs a ping/pong heartbeat and terminates (not closes: a dead peer never answers a close handshake)
 *   a socket that stops answering, so a half-open TCP connection turns into a reconnect within two periods.
 */
export type SocketClass = new (address: string | URL, protocols?: string | string[]) => WebSocket;

export function createSocketClass(onError: (err: Error) => void, options: SocketOptions): SocketClass {
  return class RelaySocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { maxPayload: options.maxPayload });
      this.on("error", onError);
      if (options.heartbeatMs > 0) this.once("open", () => this.#startHeartbeat(options.heartbeatMs));
    }

    #startHeartbeat(periodMs: number): void {
      let answered = true;
      const onPong = (): void => {
        answered = true;
      };
      this.on("pong", onPong);
      const timer = setInterval(() => {
        if (!answered) {
          this.terminate();
          return;
        }
        answered = false;
        this.ping();
      }, periodMs);
      this.once("close", () => {
        clearInterval(timer);
        this.off("pong", onPong);
      });
    }
  };
}
