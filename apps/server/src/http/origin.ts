import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

// Origins as browsers send them in `Origin`, and the one a request reached this server at. The rule that
// decides which origins a session cookie counts from is in session-cookie.ts; config.ts reads
// OUTPOST_ALLOWED_ORIGINS with normalizeOrigin.

/**
 * `value` as browsers write an origin in `Origin` (lowercase scheme and host, default port left out),
 * or undefined when it is not an http(s) origin (`null`, a path, credentials, another scheme).
 */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  return url.origin;
}

/** The origin of OUTPOST_PUBLIC_URL, which may carry a path (a server behind a path prefix). */
export function publicUrlOrigin(publicUrl: string): string | undefined {
  try {
    return normalizeOrigin(new URL(publicUrl).origin);
  } catch {
    return undefined;
  }
}

/**
 * The origin a request reached this server at: its scheme and Host, or with a trusted proxy the first
 * `X-Forwarded-Proto` / `X-Forwarded-Host` (the ones the client-facing proxy set). Without a trusted
 * proxy the forwarded headers are ignored: anyone can send them.
 */
export function servedOrigin(request: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = (name: string) => {
    if (!trustProxy) return undefined;
    const value = request.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;
  };
  const scheme =
    forwarded('x-forwarded-proto') ?? ((request.socket as TLSSocket).encrypted ? 'https' : 'http');
  const host = forwarded('x-forwarded-host') ?? request.headers.host;
  return host ? normalizeOrigin(`${scheme}://${host}`) : undefined;
}
