import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { startKubeCluster, type KubeCluster } from '@outpost/kube-testenv';
import { startAgentProcess, stopAgents, type AgentProcess } from '../support/agent.js';
import { Teardown } from '../support/teardown.js';
import { ProvidersPage } from './pages/ProvidersPage.js';
import { ADMIN, expect, graphql, outpostUrl, test } from './support/outpost.js';

/**
 * An admin's journey through Manage › Admin › Workspace Providers, against the global setup's server
 * (heartbeat every 1 s, grace 3 s), a real kube-apiserver and real agent processes.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../.test-results/playwright/', import.meta.url));
const BUILT_IN = 'built-in';
const run = Date.now().toString(36);
/** Turns ERROR when its agent is killed. */
const EU = `eu-west-${run}`;
/** Stays READY and becomes the default. */
const US = `us-east-${run}`;
const ORG = `acme-${run}`;
const WORKSPACE = `billing-api-${run}`;

test.describe.configure({ mode: 'serial' });

const teardown = new Teardown();
let cluster: KubeCluster;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  cluster = await teardown.track(startKubeCluster({ name: 'browser-providers' }), (started) =>
    started.stop(),
  );
  teardown.defer(stopAgents);
});

test.afterAll(() => teardown.run());

/** No serious or critical accessibility violations in the page, or in the part `include` selects. */
async function expectAccessible(page: Page, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const severe = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  expect(severe, 'serious or critical axe violations').toEqual([]);
}

/** `createWorkspaceProvider` with the browser's session cookie: the provider id and its registration token. */
async function createProvider(page: Page, name: string, organizationIds: string[]) {
  const { createWorkspaceProvider } = await graphql(
    page.request,
    `
      mutation ($input: CreateWorkspaceProviderInput!) {
        createWorkspaceProvider(input: $input) {
          provider {
            id
          }
          registrationToken {
            token
          }
        }
      }
    `,
    { input: { name, namespace: name, region: name, clusterAddress: cluster.server, organizationIds } },
  );
  return {
    id: createWorkspaceProvider.provider.id as string,
    token: createWorkspaceProvider.registrationToken.token as string,
  };
}

/** The chart's agent for a provider: its own process, in the provider's namespace of the cluster. */
function deployAgent(name: string, registrationToken: string): Promise<AgentProcess> {
  return startAgentProcess({
    label: name,
    serverUrl: outpostUrl(),
    cluster,
    namespace: name,
    registrationToken,
  });
}

test('an admin watches providers come and go, picks the default and guards the allowlist', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const providers = new ProvidersPage(page);

  // Sign in through the console's form; the built-in provider is there, tagged as the default.
  await providers.open();
  await providers.signIn(ADMIN);
  await expect(page).toHaveURL(new RegExp(`${ProvidersPage.path}$`));
  await expect(providers.row(BUILT_IN)).toBeVisible();
  await expect(providers.defaultTag(BUILT_IN)).toBeVisible();

  // An organization the admin belongs to, allowed on every provider created below.
  const { createOrganization: org } = await graphql(
    page.request,
    `
      mutation ($name: String!) {
        createOrganization(name: $name, slug: $name) {
          id
        }
      }
    `,
    { name: ORG },
  );
  await graphql(
    page.request,
    `
      mutation ($org: ID!, $email: String!) {
        addOrganizationMember(organizationId: $org, email: $email) {
          userId
        }
      }
    `,
    { org: org.id, email: ADMIN.email },
  );

  // A provider created through the API appears as Pending, without a reload.
  const eu = await createProvider(page, EU, [org.id]);
  await expect(providers.row(EU)).toBeVisible();
  await providers.expectStatus(EU, 'Pending');
  await expect(providers.defaultTag(EU)).toHaveCount(0);

  // Its agent connects from a real cluster: Ready.
  const euAgent = await deployAgent(EU, eu.token);
  await providers.expectStatus(EU, 'Ready');

  // A second provider, Ready too.
  const us = await createProvider(page, US, [org.id]);
  await expect(providers.row(US)).toBeVisible();
  await deployAgent(US, us.token);
  await providers.expectStatus(US, 'Ready');
  await page.screenshot({ path: `${SCREENSHOTS}providers-collapsed.png`, fullPage: true });
  await expectAccessible(page);

  // The eu-west agent dies without a goodbye: the provider shows Error and why. Its kernel closes the
  // socket (the reconnect grace, 3 s) while its heartbeats stop (the grace, 3 s here, counted from the last
  // one): whichever comes first names the cause.
  const killedMessage =
    /No heartbeat from the agent for more than 3 s: the control plane lost contact with it\.|no agent has reconnected within 3 s: the agent process stopped or crashed\./;
  await euAgent.kill();
  await providers.expectStatus(EU, 'Error');
  await expect(providers.row(EU)).toContainText(killedMessage);

  // Expanding the row shows the details: the status message, the cluster, the agent's checks.
  const euDetails = await providers.expand(EU);
  await expect(euDetails.locator('.status-message')).toContainText(killedMessage);
  await expect(euDetails.locator('.field', { hasText: 'Namespace' }).locator('dd')).toHaveText(EU);
  await expect(euDetails.locator('.field', { hasText: 'Cluster address' }).locator('dd')).toHaveText(
    cluster.server,
  );
  await expect(euDetails.locator('.check', { hasText: 'kubernetes-api' })).toContainText('Passed');
  await expect(euDetails.getByRole('list', { name: 'Allowed organizations' })).toContainText(ORG);
  await page.screenshot({ path: `${SCREENSHOTS}providers-expanded.png`, fullPage: true });
  await expectAccessible(page);
  await providers.collapse(EU);

  // us-east becomes the default: the tag moves from built-in to it.
  await providers.expand(US);
  await providers.setAsDefault(US);
  await expect(providers.defaultTag(US)).toBeVisible();
  await expect(providers.defaultTag(BUILT_IN)).toHaveCount(0);
  await expect(providers.details(US)).toContainText('This is the default provider for new environments.');

  // A workspace of the organization in us-east keeps the organization on its allowlist.
  await graphql(
    page.request,
    `
      mutation ($org: ID!, $provider: ID!, $name: String!) {
        createWorkspace(organizationId: $org, providerId: $provider, name: $name) {
          id
        }
      }
    `,
    { org: org.id, provider: us.id, name: WORKSPACE },
  );
  await providers.removeFromAllowlist(US, ORG);
  const refusal = providers.details(US).getByRole('alert');
  await expect(refusal).toContainText(`${ORG} stays on the allowlist.`);
  await expect(refusal.getByRole('list', { name: `Workspaces of ${ORG} in this provider` })).toHaveText(
    WORKSPACE,
  );
  await expect(providers.details(US).getByRole('list', { name: 'Allowed organizations' })).toContainText(ORG);

  // Create an Environment: the default is preselected, the provider in Error is offered but disabled.
  await page.getByRole('link', { name: 'Workspaces', exact: true }).click();
  await page.getByRole('button', { name: 'Create an Environment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an Environment' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('combobox', { name: 'Organization' })).toHaveValue(org.id);
  const usEast = dialog.getByRole('radio', { name: new RegExp(`\\(${US}\\)`) });
  const euWest = dialog.getByRole('radio', { name: new RegExp(`\\(${EU}\\)`) });
  await expect(usEast).toBeChecked();
  await expect(usEast).toBeEnabled();
  await expect(euWest).toBeDisabled();
  await expect(euWest).not.toBeChecked();
  await expect(euWest).toHaveAccessibleDescription('Not ready (Error)');
  await page.screenshot({ path: `${SCREENSHOTS}create-environment-dialog.png` });
  await expectAccessible(page, '[role="dialog"]');
});
