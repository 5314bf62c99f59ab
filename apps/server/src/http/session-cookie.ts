import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';
import { SESSION_COOKIE } from '../auth/auth.service.js';
import { normalizeOrigin, publicUrlOrigin, servedOrigin } from './origin.js';

/**
 * Which session cookie counts as a credential: the one rule for HTTP requests and WebSocket upgrades.
 *
 * A browser attaches the cookie to every request to this server, whichever page makes it. For fetches,
 * CORS (closed) and Apollo's CSRF prevention stop a foreign page; for a WebSocket nothing does: any page
 * may open one, the browser sends the cookie on the upgrade, and `SameSite=Lax` does not help against a
 * page of the same site (another port of the same host, a sibling subdomain). So the cookie counts only
 * on a request whose `Origin` is one of this server's:
 *
 * - the origin the request reached it at: its scheme and `Host` (with OUTPOST_TRUST_PROXY, the
 *   proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`, as Express reads them). A browser always sends
 *   the `Host` of the server it connects to, so a page whose origin matches it is this server's own page
 *   (the console, GraphiQL), however the server is reached: 127.0.0.1, a port-forward, a proxy;
 * - the origin of OUTPOST_PUBLIC_URL (a TLS proxy that does not forward the scheme);
 * - OUTPOST_ALLOWED_ORIGINS, for a console served from elsewhere.
 *
 * A request without `Origin` keeps its cookie: browsers send `Origin` on every WebSocket upgrade and every
 * cross-origin fetch, so its absence means a same-origin navigation or a client that is not a browser
 * (which could send any `Origin` it liked): nothing a foreign page can cause.
 *
 * A cookie from a foreign origin is ignored rather than the request refused: the request goes on
 * anonymously, so a token in the request (a bearer header, a WebSocket's connectionParams) still works
 * from any page and any client, and the foreign page gets nothing it could not get without the cookie.
 */
export class SessionCookies {
  private readonly configuredOrigins: ReadonlySet<string>;
  private readonly reportedOrigins = new Set<string>();

  constructor(
    private readonly options: {
      publicUrl: string | undefined;
      allowedOrigins: readonly string[];
      trustProxy: boolean;
    },
  ) {
    const publicOrigin = options.publicUrl ? publicUrlOrigin(options.publicUrl) : undefined;
    this.configuredOrigins = new Set([...options.allowedOrigins, ...(publicOrigin ? [publicOrigin] : [])]);
  }

  /** The session token the request's cookie carries, when there is one and it counts (see above). */
  sessionSecret(request: IncomingMessage): string | undefined {
    const secret = readSessionCookie(request.headers.cookie);
    if (secret === undefined) return undefined;
    const origin = request.headers.origin;
    if (origin === undefined || this.isOwnOrigin(origin, request)) return secret;
    this.reportIgnored(origin);
    return undefined;
  }

  /** Whether a page of `origin` is one of this server's (the one it serves `request` on, or configured). */
  isOwnOrigin(origin: string, request: IncomingMessage): boolean {
    const normalized = normalizeOrigin(origin);
    if (!normalized) return false;
    return (
      this.configuredOrigins.has(normalized) || normalized === servedOrigin(request, this.options.trustProxy)
    );
  }

  /**
   * Says once per origin (for the first few) that a cookie was ignored: a deployment whose proxy rewrites
   * `Host` without forwarding it would otherwise see its console's users signed out with no clue why.
   */
  private reportIgnored(origin: string): void {
    if (this.reportedOrigins.has(origin) || this.reportedOrigins.size >= 20) return;
    this.reportedOrigins.add(origin);
    console.warn(
      `Ignored the session cookie of a request from ${JSON.stringify(origin.slice(0, 200))}: not this ` +
        "server's origin. If pages there are yours, add it to OUTPOST_ALLOWED_ORIGINS (or set " +
        'OUTPOST_PUBLIC_URL, or OUTPOST_TRUST_PROXY behind a proxy that sets X-Forwarded-Host/-Proto).',
    );
  }
}

/**
 * The session cookie's value, or undefined. `cookie` (the parser Express uses) leaves a value that is
 * not valid percent-encoding as it is instead of throwing, so a malformed cookie is no credential (an
 * unknown token), not a failed request.
 */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[SESSION_COOKIE];
}
