// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { acme, globex, providerFixture } from '../../testHelpers/fixtures';
import { renderWithApi } from '../../testHelpers/render';
import { AllowlistSection } from './AllowlistSection';
import { AllowlistOrganizationsQuery, RemoveFromAllowlistMutation } from './providers.graphql';

const organizationsMock = {
  request: { query: AllowlistOrganizationsQuery },
  result: { data: { organizations: [acme, globex] } },
};

describe('AllowlistSection', () => {
  afterEach(cleanup);

  it('shows the refusal and the workspaces in the way when the organization still has workspaces there', async () => {
    const user = userEvent.setup();
    const message =
      'Organization "acme" still has 2 workspace(s) in "eu-west": api-dev, web-dev. Delete or move them before removing the organization from the allowlist.';
    renderWithApi(<AllowlistSection provider={providerFixture()} />, {
      mocks: [
        organizationsMock,
        {
          request: {
            query: RemoveFromAllowlistMutation,
            variables: { providerId: 'prov-eu', organizationId: acme.id },
          },
          result: {
            errors: [
              new GraphQLError(message, {
                extensions: {
                  code: 'PRECONDITION_FAILED',
                  rule: 'RULE_4_ALLOWLIST_IN_USE',
                  workspaces: [
                    { id: 'ws-1', name: 'api-dev' },
                    { id: 'ws-2', name: 'web-dev' },
                  ],
                },
              }),
            ],
          },
        },
      ],
    });

    await user.click(screen.getByRole('button', { name: 'Remove Acme from the allowlist' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Acme stays on the allowlist.');
    expect(alert.textContent).toContain(message);
    const workspaces = within(alert).getByRole('list', { name: 'Workspaces of Acme in this provider' });
    expect(
      within(workspaces)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['api-dev', 'web-dev']);
    // Still listed: nothing was removed.
    const allowlist = screen.getByRole('list', { name: 'Allowed organizations' });
    expect(within(allowlist).getByText('Acme')).toBeTruthy();
  });

  it('says so when no organization is allowed yet', async () => {
    renderWithApi(
      <AllowlistSection
        provider={providerFixture({ allowedOrganizations: [], workspaceCountsByOrganization: [] })}
      />,
      { mocks: [organizationsMock] },
    );
    expect(screen.getByText('No organization may use this provider yet.')).toBeTruthy();
    expect(await screen.findByLabelText('Add an organization')).toBeTruthy();
  });
});
