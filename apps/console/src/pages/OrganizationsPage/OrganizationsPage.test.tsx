// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithApi } from '../../testHelpers/render';
import {
  AddOrganizationMemberMutation,
  OrganizationsQuery,
  RemoveOrganizationMemberMutation,
} from './organizations.graphql';
import { OrganizationsPage } from './OrganizationsPage';

const ada = {
  __typename: 'OrganizationMember' as const,
  userId: 'u-ada',
  email: 'ada@acme.test',
  name: 'Ada',
  role: 'ADMIN',
};
const bob = {
  __typename: 'OrganizationMember' as const,
  userId: 'u-bob',
  email: 'bob@acme.test',
  name: 'Bob',
  role: 'MEMBER',
};
const cy = {
  __typename: 'OrganizationMember' as const,
  userId: 'u-cy',
  email: 'cy@acme.test',
  name: 'Cy',
  role: 'MEMBER',
};

const provider = (id: string, name: string, displayName: string, status: string) => ({
  __typename: 'WorkspaceProvider' as const,
  id,
  name,
  displayName,
  status,
});

const acme = {
  __typename: 'Organization' as const,
  id: 'org-acme',
  name: 'Acme',
  slug: 'acme',
  members: [ada, bob],
  allowedProviders: [
    provider('prov-builtin', 'built-in', 'Built-in', 'READY'),
    provider('prov-eu', 'eu-west', 'Europe West', 'ERROR'),
  ],
};
const globex = {
  __typename: 'Organization' as const,
  id: 'org-globex',
  name: 'Globex',
  slug: 'globex',
  members: [],
  allowedProviders: [],
};

function listMock(organizations: unknown[]) {
  return { request: { query: OrganizationsQuery }, result: { data: { organizations } } };
}

describe('OrganizationsPage', () => {
  afterEach(cleanup);

  it('lists organizations with slug, member count and providers with their status', async () => {
    renderWithApi(<OrganizationsPage />, { mocks: [listMock([globex, acme])] });
    expect(screen.getByRole('status').textContent).toBe('Loading organizations…');

    const table = await screen.findByRole('table', { name: 'Organizations' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['Acme', 'Globex']);
    const [acmeRow, globexRow] = rows;
    expect(
      within(acmeRow!)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['acme', '2', 'Built-in ● ReadyEurope West ▲ Error', 'Members']);
    const providers = within(acmeRow!).getByRole('list', { name: 'Providers Acme may use' });
    expect(
      within(providers)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Built-in ● Ready', 'Europe West ▲ Error']);
    expect(within(globexRow!).getByText('None')).toBeTruthy();
    expect(screen.getByText('2 organizations')).toBeTruthy();
  });

  it('says when there are no organizations', async () => {
    renderWithApi(<OrganizationsPage />, { mocks: [listMock([])] });
    expect(await screen.findByText('No organizations yet.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows a load failure with a retry', async () => {
    renderWithApi(<OrganizationsPage />, {
      mocks: [
        { request: { query: OrganizationsQuery }, result: { errors: [new GraphQLError('Not allowed.')] } },
        listMock([acme]),
      ],
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot load the organizations.');
    expect(alert.textContent).toContain('Not allowed.');
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'Organizations' })).toBeTruthy();
  });

  it('shows members, adds one by email with a role, and removes one', async () => {
    const user = userEvent.setup();
    renderWithApi(<OrganizationsPage />, {
      mocks: [
        listMock([acme]),
        {
          request: {
            query: AddOrganizationMemberMutation,
            variables: { organizationId: 'org-acme', email: 'nobody@acme.test', role: 'ADMIN' },
          },
          result: {
            errors: [
              new GraphQLError('No user with email "nobody@acme.test".', {
                extensions: { code: 'NOT_FOUND' },
              }),
            ],
          },
        },
        {
          request: {
            query: AddOrganizationMemberMutation,
            variables: { organizationId: 'org-acme', email: 'cy@acme.test', role: 'ADMIN' },
          },
          result: { data: { addOrganizationMember: { ...cy, role: 'ADMIN' } } },
        },
        {
          request: {
            query: RemoveOrganizationMemberMutation,
            variables: { organizationId: 'org-acme', userId: 'u-ada' },
          },
          result: {
            errors: [
              new GraphQLError('Ada is the last admin of Acme.', {
                extensions: { code: 'PRECONDITION_FAILED' },
              }),
            ],
          },
        },
        {
          request: {
            query: RemoveOrganizationMemberMutation,
            variables: { organizationId: 'org-acme', userId: 'u-bob' },
          },
          result: {
            data: {
              removeOrganizationMember: {
                __typename: 'Organization',
                id: 'org-acme',
                members: [ada, { ...cy, role: 'ADMIN' }],
              },
            },
          },
        },
      ],
    });
    const toggle = await screen.findByRole('button', { name: 'Members of Acme' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');

    const members = screen.getByRole('table', { name: 'Members of Acme' });
    const memberRows = () =>
      within(members)
        .getAllByRole('row')
        .slice(1)
        .map((r) => [...r.children].slice(0, 3).map((c) => c.textContent));
    expect(memberRows()).toEqual([
      ['Ada', 'ada@acme.test', 'Admin'],
      ['Bob', 'bob@acme.test', 'Member'],
    ]);

    const form = screen.getByRole('form', { name: 'Add a member to Acme' });
    await user.type(within(form).getByLabelText('Email'), 'nobody@acme.test');
    await user.selectOptions(within(form).getByLabelText('Role'), 'ADMIN');
    await user.click(within(form).getByRole('button', { name: 'Add member' }));
    expect((await screen.findByRole('alert')).textContent).toBe('No user with email "nobody@acme.test".');

    await user.clear(within(form).getByLabelText('Email'));
    await user.type(within(form).getByLabelText('Email'), 'cy@acme.test');
    await user.click(within(form).getByRole('button', { name: 'Add member' }));
    await waitFor(() => expect(memberRows()).toHaveLength(3));
    expect(memberRows()[2]).toEqual(['Cy', 'cy@acme.test', 'Admin']);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(await screen.findByText('Cy is now admin of Acme.')).toBeTruthy();
    const acmeRow = screen.getByRole('rowheader', { name: 'Acme' }).closest('tr')!;
    expect(within(acmeRow).getAllByRole('cell')[1]!.textContent).toBe('3');

    await user.click(screen.getByRole('button', { name: 'Remove Ada from Acme' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Cannot remove Ada: Ada is the last admin of Acme.',
    );

    await user.click(screen.getByRole('button', { name: 'Remove Bob from Acme' }));
    await waitFor(() => expect(memberRows().map((r) => r[0])).toEqual(['Ada', 'Cy']));
    expect(screen.queryByRole('alert')).toBeNull();
    // The notice may render after the rows: wait for it, as for Cy's above.
    expect(await screen.findByText('Bob was removed from Acme.')).toBeTruthy();
  });
});
