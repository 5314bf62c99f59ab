import { test as base, expect, type APIRequestContext } from '@playwright/test';

/** The site admin the global setup's server creates at start (OUTPOST_ADMIN_EMAIL/PASSWORD). */
export const ADMIN = { email: 'admin@example.com', password: 'browser-tests-password' };

/** The server the global setup started, e.g. `http://127.0.0.1:41234`. */
export function outpostUrl(): string {
  const url = process.env.OUTPOST_E2E_URL;
  if (!url) throw new Error('OUTPOST_E2E_URL is not set: run through playwright.config.ts (global setup).');
  return url;
}

/** Tests resolve relative URLs (`page.goto('/graphql')`) against the server of this run. */
export const test = base.extend({
  // Playwright reads a fixture's dependencies from its destructured first parameter: none here.
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use) => {
    await use(outpostUrl());
  },
});
export { expect };

/** One GraphQL operation over HTTP; fails the test on GraphQL errors. */
export async function graphql<T = any>(
  request: APIRequestContext,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await request.post('/graphql', {
    data: { query, variables },
    headers: { 'apollo-require-preflight': 'true' },
  });
  expect(response.ok(), await response.text()).toBe(true);
  const body = await response.json();
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

/**
 * Signs in with email and password through the same request context the page uses, so the browser
 * context holds the session cookie afterwards (for fetches and the WebSocket upgrade alike).
 */
export async function signIn(request: APIRequestContext, who = ADMIN): Promise<void> {
  await graphql(
    request,
    `
      mutation ($e: String!, $p: String!) {
        login(email: $e, password: $p) {
          user {
            id
          }
        }
      }
    `,
    {
      e: who.email,
      p: who.password,
    },
  );
}
