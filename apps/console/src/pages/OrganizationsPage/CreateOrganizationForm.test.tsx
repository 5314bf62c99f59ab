// @vitest-environment happy-dom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithApi } from '../../testHelpers/render';
import { CreateOrganizationForm } from './CreateOrganizationForm';
import { CreateOrganizationMutation } from './organizations.graphql';

function refusal(slug: string, code: string, message: string, field?: string) {
  return {
    request: { query: CreateOrganizationMutation, variables: { name: 'Acme Research', slug } },
    result: { errors: [new GraphQLError(message, { extensions: { code, ...(field ? { field } : {}) } })] },
  };
}

const slugInput = () => screen.getByLabelText<HTMLInputElement>('Slug');

describe('CreateOrganizationForm', () => {
  afterEach(cleanup);

  it('checks the slug as a DNS label before sending anything', async () => {
    const user = userEvent.setup();
    const onCreated = vi.fn();
    renderWithApi(<CreateOrganizationForm onCreated={onCreated} onCancel={() => {}} />);
    await user.type(screen.getByLabelText('Name'), 'Acme Research');
    await user.type(slugInput(), 'Acme_Research-');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));

    expect(slugInput().getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Use lowercase letters, digits and '-'/)).toBeTruthy();
    expect(document.activeElement).toBe(slugInput());
    expect(onCreated).not.toHaveBeenCalled();

    await user.clear(slugInput());
    await user.type(slugInput(), 'acme-research');
    expect(slugInput().getAttribute('aria-invalid')).toBeNull();
  });

  it('shows a CONFLICT on the slug field', async () => {
    const user = userEvent.setup();
    const message = 'An organization with slug "acme" already exists: choose another slug.';
    renderWithApi(<CreateOrganizationForm onCreated={() => {}} onCancel={() => {}} />, {
      mocks: [refusal('acme', 'CONFLICT', message, 'slug')],
    });
    await user.type(screen.getByLabelText('Name'), 'Acme Research');
    await user.type(slugInput(), 'acme');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));

    await waitFor(() => expect(slugInput().getAttribute('aria-invalid')).toBe('true'));
    const describedBy = slugInput().getAttribute('aria-describedby') ?? '';
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-slug-error'));
    expect(document.getElementById(errorId ?? '')?.textContent).toBe(message);
    expect(screen.getByRole('alert').textContent).toBe(message);

    // Editing the slug clears the server's refusal.
    await user.type(slugInput(), '-2');
    expect(slugInput().getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows other server errors below the form', async () => {
    const user = userEvent.setup();
    renderWithApi(<CreateOrganizationForm onCreated={() => {}} onCancel={() => {}} />, {
      mocks: [refusal('acme-research', 'FORBIDDEN', 'Only site admins and managers create organizations.')],
    });
    await user.type(screen.getByLabelText('Name'), 'Acme Research');
    await user.type(slugInput(), 'acme-research');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Only site admins and managers create organizations.',
    );
  });

  it('shows a BAD_USER_INPUT on the name field and creates once fixed', async () => {
    const user = userEvent.setup();
    const onCreated = vi.fn();
    renderWithApi(<CreateOrganizationForm onCreated={onCreated} onCancel={() => {}} />, {
      mocks: [
        refusal('acme-research', 'BAD_USER_INPUT', 'name must be 1–100 characters long (got 101).', 'name'),
        {
          request: {
            query: CreateOrganizationMutation,
            variables: { name: 'Acme Research', slug: 'acme-research' },
          },
          result: {
            data: {
              createOrganization: {
                __typename: 'Organization',
                id: 'org-new',
                name: 'Acme Research',
                slug: 'acme-research',
                members: [],
                allowedProviders: [],
              },
            },
          },
        },
      ],
    });
    await user.type(screen.getByLabelText('Name'), 'Acme Research');
    await user.type(slugInput(), 'acme-research');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));
    await waitFor(() => expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getAllByText('name must be 1–100 characters long (got 101).').length).toBeGreaterThan(0);

    await user.click(screen.getByRole('button', { name: 'Create organization' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(expect.objectContaining({ id: 'org-new' })));
  });
});
