import type { IncomingMessage } from 'node:http';

/**
 * The caller's IP address for a WebSocket upgrade request, as Express's `req.ip` gives it for HTTP:
 * with OUTPOST_TRUST_PROXY the left-most X-Forwarded-For entry (the client the first proxy saw), else
 * the socket's peer. Without a trusted proxy the header is ignored: anyone can send it.
 */
export function websocketClientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? 'unknown';
}
