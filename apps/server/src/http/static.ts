import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { graphiqlAssetsPath, graphiqlDistDir } from '@outpost/graphiql-page';

/**
 * What the server serves besides the API: GraphiQL for browsers at /graphql (its assets under
 * /graphiql-assets/) and the console SPA at every other path. Both are Vite builds whose `assets/`
 * files carry a content hash in their names, so those are cached for a year; HTML is revalidated on
 * every load so a new deployment takes effect at the next reload.
 */

const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Paths the console SPA never answers: the API, health checks and GraphiQL's files. */
const RESERVED_PREFIXES = ['/graphql', '/healthz', graphiqlAssetsPath];

function isReserved(urlPath: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`));
}

/** Static files of a Vite build: hashed `assets/` cached for good, everything else revalidated. */
function viteBuildFiles(dir: string) {
  return express.static(dir, {
    index: false,
    redirect: false,
    setHeaders(res, filePath) {
      const relative = path.relative(dir, filePath).split(path.sep);
      res.setHeader('Cache-Control', relative[0] === 'assets' ? HASHED_ASSET_CACHE : REVALIDATE);
    },
  });
}

/**
 * A browser navigation (Accept: text/html first), not a GraphQL client: those ask for JSON
 * (`application/json`, `application/graphql-response+json`) or for anything (`*\/*`).
 */
function isBrowserNavigation(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/**
 * Where GraphiQL runs its scripts, styles, fonts and Monaco workers from: this origin only. A page that
 * tried to load anything from a CDN would fail here as it would on a network without internet.
 */
const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Monaco and GraphiQL set styles at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface GraphiqlMount {
  /** False when turned off, or when the page package has not been built (no dist/index.html). */
  built: boolean;
}

/**
 * GET /graphql from a browser → GraphiQL, its assets under /graphiql-assets/; when turned off, a JSON
 * error that says so (not Apollo's CSRF refusal). Mount before the API: other requests pass through.
 */
export function mountGraphiql(
  app: Express,
  enabled: boolean,
  distDir: string = graphiqlDistDir,
): GraphiqlMount {
  const indexHtml = path.join(distDir, 'index.html');
  if (!enabled) {
    app.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
      if (!isBrowserNavigation(req) || req.query.query !== undefined) return next();
      res.status(404).json({
        errors: [
          {
            message:
              'GraphiQL is turned off on this server (OUTPOST_GRAPHIQL=false). Send GraphQL requests as ' +
              'POST with a JSON body.',
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      });
    });
    return { built: false };
  }
  const built = existsSync(indexHtml);
  app.use(graphiqlAssetsPath, viteBuildFiles(distDir));
  app.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    if (!isBrowserNavigation(req)) return next();
    if (!existsSync(indexHtml)) {
      res
        .status(404)
        .type('text/plain')
        .send(
          'GraphiQL is enabled but not built. Build it with `npx pnpm@12.21.0 run build` ' +
            '(packages/graphiql-page), then reload this page.\n',
        );
      return;
    }
    res.setHeader('Cache-Control', REVALIDATE);
    res.setHeader('Content-Security-Policy', GRAPHIQL_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile('index.html', { root: distDir });
  });
  return { built };
}

/**
 * The console's security headers, from helmet's defaults (nosniff, a strict Referrer-Policy, HSTS when
 * served over TLS, cross-origin isolation of its resources) with a CSP that allows this origin only — the
 * console is one bundle that talks to /graphql over fetch and WebSocket on the same origin. Framing is
 * refused (clickjacking). `upgrade-insecure-requests` is dropped: Outpost is often reached over plain
 * http on 127.0.0.1 or behind a TLS proxy, and upgrading would make the browser ask for https assets the
 * server does not serve.
 */
const consoleSecurityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'form-action': ["'self'"],
      'upgrade-insecure-requests': null,
    },
  },
  frameguard: { action: 'deny' },
});

export interface ConsoleMount {
  /** True when `dir` holds a built console (index.html) at start. */
  served: boolean;
}

/**
 * The console SPA from `dir`: its files, and index.html for every other GET outside the API (the SPA
 * routes on the client). Missing files under /assets/ stay 404s, so a stale page never gets HTML for a
 * script. Without a build, those paths answer how to build it. Mount after the API.
 */
export function mountConsole(app: Express, consoleDir: string): ConsoleMount {
  const dir = path.resolve(consoleDir);
  const indexHtml = path.join(dir, 'index.html');
  const served = existsSync(indexHtml);
  const isConsoleRequest = (req: Request) =>
    (req.method === 'GET' || req.method === 'HEAD') && !isReserved(req.path);
  app.use((req: Request, res: Response, next: NextFunction) =>
    isConsoleRequest(req) ? consoleSecurityHeaders(req, res, next) : next(),
  );
  if (served) app.use(viteBuildFiles(dir));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isConsoleRequest(req)) return next();
    if (req.path.startsWith('/assets/')) return next();
    if (!served) {
      res
        .status(404)
        .type('text/plain')
        .send(
          `The Outpost console is not built (no index.html in ${dir}).\n` +
            'Build it with `npx pnpm@12.21.0 run build` (apps/console), or point OUTPOST_CONSOLE_DIR at a ' +
            'built console, then restart the server.\nThe GraphQL API is at /graphql.\n',
        );
      return;
    }
    res.setHeader('Cache-Control', REVALIDATE);
    res.sendFile('index.html', { root: dir });
  });
  return { served };
}
