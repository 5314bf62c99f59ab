import type { Page, Request } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { ADMIN, expect, graphql, outpostUrl, signIn, test } from './support/outpost.js';

const SCREENSHOTS = fileURLToPath(new URL('../../.test-results/playwright/', import.meta.url));

/**
 * Replaces the active tab's operation with `text`, as a user would by selecting all and typing, and
 * waits until GraphiQL has parsed it: the tab takes the operation's name (after a short debounce;
 * running before that would send the previous operation name).
 */
async function setOperation(page: Page, operationName: string, text: string): Promise<void> {
  await page.locator('.graphiql-query-editor .monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+KeyA');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await expect(page.locator('.graphiql-query-editor .view-lines')).toContainText(text);
  await expect(page.locator('.graphiql-tab-active')).toHaveText(operationName);
}

test('GraphiQL at /graphql runs a query and a subscription with the session cookie', async ({ page }) => {
  // Everything the page loads comes from this server: no CDN, workers included.
  const origin = new URL(outpostUrl()).origin;
  const elsewhere: string[] = [];
  const isLocal = (request: Request) =>
    /^(data|blob):/.test(request.url()) || request.url().startsWith(origin);
  page.on('request', (request) => {
    if (!isLocal(request)) elsewhere.push(request.url());
  });
  page.on('worker', (worker) => {
    if (!worker.url().startsWith(origin) && !worker.url().startsWith('blob:')) elsewhere.push(worker.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} for ${response.url()}`);
  });

  await signIn(page.request);
  await page.goto('/graphql');
  await expect(page).toHaveTitle('Outpost GraphiQL');
  await expect(page.locator('.graphiql-query-editor .monaco-editor')).toBeVisible();

  // A query, authenticated by the session cookie the sign-in left in the browser context.
  await setOperation(page, 'Me', 'query Me { me { email } }');
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response');
  await expect(response).toContainText(`"email": "${ADMIN.email}"`);
  await page.screenshot({ path: `${SCREENSHOTS}graphiql-query.png` });

  // A subscription over WebSocket (the cookie rides on the upgrade request).
  await setOperation(
    page,
    'ProviderEvents',
    'subscription ProviderEvents { workspaceProviderEvents { type provider { name displayName } } }',
  );
  const subscribed = page.waitForEvent('websocket', (socket) => socket.url().endsWith('/graphql'));
  await page.locator('.graphiql-execute-button').click();
  expect((await subscribed).url()).toBe(`${origin.replace(/^http/, 'ws')}/graphql`);
  // While the subscription runs, the execute button is a stop button.
  await expect(page.locator('.graphiql-execute-button')).toHaveAttribute('aria-label', /^Stop query/);

  // The subscription is live once the server has it; until then a change is not delivered. So change the
  // built-in provider's display name until GraphiQL shows the change (each attempt with a new name).
  const { workspaceProviders } = await graphql(
    page.request,
    `
      {
        workspaceProviders(first: 1) {
          edges {
            node {
              id
              name
            }
          }
        }
      }
    `,
  );
  const builtIn = workspaceProviders.edges[0].node;
  const run = Date.now().toString(36);
  let attempt = 0;
  await expect(async () => {
    const displayName = `Built-in, seen from GraphiQL ${run}-${++attempt}`;
    await graphql(
      page.request,
      `
        mutation ($id: ID!, $name: String!) {
          updateWorkspaceProvider(id: $id, input: { displayName: $name }) {
            id
          }
        }
      `,
      { id: builtIn.id, name: displayName },
    );
    await expect(response).toContainText(displayName, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(response).toContainText('"type": "UPDATED"');
  await expect(response).toContainText(`"name": "${builtIn.name}"`);
  await page.screenshot({ path: `${SCREENSHOTS}graphiql-subscription.png` });

  await page.locator('.graphiql-execute-button').click();
  await expect(page.locator('.graphiql-execute-button')).toHaveAttribute('aria-label', /^Execute query/);

  expect(elsewhere, 'requests to other origins').toEqual([]);
  expect(errors, 'errors in the page').toEqual([]);
});
