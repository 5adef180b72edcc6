/**
 * The viewer's token: random per start, shown once in the URL. A page load with `?token=` gets an HttpOnly,
 * SameSite=Strict cookie and a redirect to the same URL without it (so it leaves the address bar and the
 * history); after that the cookie or an `Authorization: Bearer` header. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Cookies are not kept apart by port, so two viewers on one host each get their own cookie name. */
export function cookieName(port: number): string {
  return `pylon_view_${port}`;
}

export function sameToken(given: string, token: string): boolean {
  // Hash both so the comparison takes the same time whatever the given length.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** Whether the request carries the token in its cookie or Authorization header. */
export function authorised(req: IncomingMessage, token: string, port: number): boolean {
  const given = bearer(req) ?? cookie(req, cookieName(port));
  return given !== undefined && sameToken(given, token);
}

export function setCookieHeader(token: string, port: number): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
