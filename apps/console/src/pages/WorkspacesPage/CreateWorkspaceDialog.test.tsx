// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acme, globex } from '../../testHelpers/fixtures';
import { renderWithApi } from '../../testHelpers/render';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
import {
  CreateWorkspaceMutation,
  CreateWorkspaceOrganizationsQuery,
  OrganizationProvidersQuery,
} from './workspaces.graphql';

function allowed(overrides: Record<string, unknown>) {
  return {
    __typename: 'WorkspaceProvider' as const,
    id: 'prov-eu',
    name: 'eu-west',
    displayName: 'Europe West',
    status: 'READY',
    cordoned: false,
    cordonReason: null,
    isDefault: false,
    ...overrides,
  };
}

const euWest = allowed({});
const builtIn = allowed({ id: 'prov-builtin', name: 'built-in', displayName: 'Built-in', isDefault: true });
const apSouth = allowed({ id: 'prov-ap', name: 'ap-south', displayName: 'Asia South', status: 'PENDING' });
const usEast = allowed({
  id: 'prov-us',
  name: 'us-east',
  displayName: 'US East',
  cordoned: true,
  cordonReason: 'node upgrades',
});

const organizationsMock = {
  request: { query: CreateWorkspaceOrganizationsQuery },
  result: {
    data: {
      me: {
        __typename: 'User',
        id: 'user-1',
        memberships: [
          { __typename: 'OrganizationMembership', role: 'MEMBER', organization: acme },
          { __typename: 'OrganizationMembership', role: 'OWNER', organization: globex },
        ],
      },
    },
  },
};

function providersMock(organizationId: string, providers: ReturnType<typeof allowed>[]) {
  return {
    request: { query: OrganizationProvidersQuery, variables: { id: organizationId } },
    result: {
      data: { organization: { __typename: 'Organization', id: organizationId, allowedProviders: providers } },
    },
  };
}

const radio = (name: RegExp) => screen.getByRole<HTMLInputElement>('radio', { name });

describe('CreateWorkspaceDialog', () => {
  afterEach(cleanup);

  it('selects the default provider and disables those not ready or cordoned, with the reason', async () => {
    renderWithApi(<CreateWorkspaceDialog onClose={() => {}} onCreated={() => {}} />, {
      mocks: [
        organizationsMock,
        providersMock(acme.id, [euWest, builtIn, apSouth, usEast]),
        providersMock(globex.id, [euWest, apSouth]),
      ],
    });
    const dialog = screen.getByRole('dialog', { name: 'Create an Environment' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));

    await screen.findByRole('radio', { name: /Built-in/ });
    expect(radio(/Built-in/).checked).toBe(true);
    expect(radio(/Europe West/).checked).toBe(false);
    expect(radio(/Europe West/).disabled).toBe(false);

    expect(radio(/Asia South/).disabled).toBe(true);
    expect(radio(/Asia South/).getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText('Not ready (Pending)')).toBeTruthy();
    expect(radio(/US East/).disabled).toBe(true);
    expect(screen.getByText('Cordoned: node upgrades')).toBeTruthy();

    // Globex may not use the default provider: the first usable one is selected instead.
    await userEvent.setup().selectOptions(screen.getByLabelText('Organization'), globex.id);
    await waitFor(() => expect(screen.queryByRole('radio', { name: /Built-in/ })).toBeNull());
    expect((await screen.findByRole<HTMLInputElement>('radio', { name: /Europe West/ })).checked).toBe(true);
    expect(radio(/Asia South/).disabled).toBe(true);
  });

  it('shows the refusal and the suggested alternative provider, and offers to use it', async () => {
    const user = userEvent.setup();
    const onCreated = vi.fn();
    const message =
      'Provider "built-in" is cordoned (maintenance) and accepts no new workspaces. Organization "acme" may use "eu-west" instead.';
    renderWithApi(<CreateWorkspaceDialog onClose={() => {}} onCreated={onCreated} />, {
      mocks: [
        organizationsMock,
        providersMock(acme.id, [euWest, builtIn]),
        {
          request: {
            query: CreateWorkspaceMutation,
            variables: { organizationId: acme.id, name: 'api-dev', providerId: 'prov-builtin' },
          },
          result: {
            errors: [
              new GraphQLError(message, {
                extensions: {
                  code: 'PRECONDITION_FAILED',
                  rule: 'RULE_5_PROVIDER_CORDONED',
                  alternativeProvider: { id: 'prov-eu', name: 'eu-west' },
                },
              }),
            ],
          },
        },
      ],
    });
    await screen.findByRole('radio', { name: /Built-in/ });
    await user.type(screen.getByLabelText('Name'), 'api-dev');
    await user.click(screen.getByRole('button', { name: 'Create' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(message);
    expect(alert.textContent).toContain('Suggested alternative: eu-west');
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(onCreated).not.toHaveBeenCalled();

    await user.click(within(alert).getByRole('button', { name: 'Use eu-west' }));
    expect(radio(/Europe West/).checked).toBe(true);
  });

  it('shows other server errors in the dialog', async () => {
    const user = userEvent.setup();
    renderWithApi(<CreateWorkspaceDialog onClose={() => {}} onCreated={() => {}} />, {
      mocks: [
        organizationsMock,
        providersMock(acme.id, [euWest]),
        {
          request: {
            query: CreateWorkspaceMutation,
            variables: { organizationId: acme.id, name: 'api-dev', providerId: 'prov-eu' },
          },
          result: {
            errors: [
              new GraphQLError('Organization "acme" already has a workspace named "api-dev".', {
                extensions: { code: 'CONFLICT' },
              }),
            ],
          },
        },
      ],
    });
    await screen.findByRole('radio', { name: /Europe West/ });
    expect(radio(/Europe West/).checked).toBe(true);
    await user.type(screen.getByLabelText('Name'), 'api-dev');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Organization "acme" already has a workspace named "api-dev".');
  });

  it('creates the workspace, and closes on Escape', async () => {
    const user = userEvent.setup();
    const onCreated = vi.fn();
    const onClose = vi.fn();
    renderWithApi(<CreateWorkspaceDialog onClose={onClose} onCreated={onCreated} />, {
      mocks: [
        organizationsMock,
        providersMock(acme.id, [euWest]),
        {
          request: {
            query: CreateWorkspaceMutation,
            variables: { organizationId: acme.id, name: 'api-dev', providerId: 'prov-eu' },
          },
          result: {
            data: {
              createWorkspace: {
                __typename: 'Workspace',
                id: 'ws-1',
                name: 'api-dev',
                organizationId: acme.id,
                providerId: 'prov-eu',
                desiredState: 'RUNNING',
                observedPhase: null,
              },
            },
          },
        },
      ],
    });
    await screen.findByRole('radio', { name: /Europe West/ });
    await user.type(screen.getByLabelText('Name'), 'api-dev');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(expect.objectContaining({ id: 'ws-1' })));

    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });
});
