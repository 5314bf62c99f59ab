import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { apiError } from '../../api/errors';
import { EmptyState } from '../../components/DataState';
import type { OrganizationRole, OrganizationsQuery } from '../../generated/graphql';
import {
  AddOrganizationMemberMutation,
  OrganizationMembersFragment,
  RemoveOrganizationMemberMutation,
} from './organizations.graphql';

type Organization = OrganizationsQuery['organizations'][number];
type Member = Organization['members'][number];

export const ROLE_LABELS: Record<OrganizationRole, string> = { ADMIN: 'Admin', MEMBER: 'Member' };

/** An organization's members with their roles: add one by email (or change a role), remove one. */
export function OrganizationMembers({ organization }: { organization: Organization }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrganizationRole>('MEMBER');
  const [notice, setNotice] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const [add, addState] = useMutation(AddOrganizationMemberMutation, {
    update(cache, { data }) {
      const added = data?.addOrganizationMember;
      if (!added) return;
      cache.updateFragment(
        {
          id: cache.identify({ __typename: 'Organization', id: organization.id }),
          fragment: OrganizationMembersFragment,
        },
        (existing) =>
          existing && {
            ...existing,
            members: existing.members.some((m) => m.userId === added.userId)
              ? existing.members.map((m) => (m.userId === added.userId ? added : m))
              : [...existing.members, added],
          },
      );
    },
  });
  const [remove, removeState] = useMutation(RemoveOrganizationMemberMutation);

  const members = [...organization.members].sort((a, b) => a.name.localeCompare(b.name));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    setRemoveError(null);
    try {
      const result = await add({ variables: { organizationId: organization.id, email: email.trim(), role } });
      const added = result.data?.addOrganizationMember;
      if (added) {
        setNotice(`${added.name} is now ${ROLE_LABELS[added.role].toLowerCase()} of ${organization.name}.`);
        setEmail('');
      }
    } catch {
      // Shown from the mutation's error state.
    }
  };

  const removeMember = async (member: Member) => {
    setNotice(null);
    setRemoveError(null);
    addState.reset();
    try {
      await remove({ variables: { organizationId: organization.id, userId: member.userId } });
      setNotice(`${member.name} was removed from ${organization.name}.`);
    } catch (error) {
      setRemoveError(`Cannot remove ${member.name}: ${apiError(error).message}`);
    }
  };

  return (
    <section className="org-members" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Members of {organization.name}</h3>
      {members.length === 0 ? (
        <EmptyState>No members yet.</EmptyState>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Members of {organization.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.userId}>
                <th scope="row">{member.name}</th>
                <td>{member.email}</td>
                <td>{ROLE_LABELS[member.role]}</td>
                <td>
                  <button
                    type="button"
                    disabled={removeState.loading}
                    aria-label={`Remove ${member.name} from ${organization.name}`}
                    onClick={() => void removeMember(member)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {removeError && (
        <p role="alert" className="form-error">
          {removeError}
        </p>
      )}
      <form
        className="org-members__add"
        aria-label={`Add a member to ${organization.name}`}
        onSubmit={(e) => void submit(e)}
      >
        <label className="form__field">
          <span>Email</span>
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="off"
          />
        </label>
        <label className="form__field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as OrganizationRole)}>
            <option value="MEMBER">{ROLE_LABELS.MEMBER}</option>
            <option value="ADMIN">{ROLE_LABELS.ADMIN}</option>
          </select>
        </label>
        <button type="submit" disabled={addState.loading || email.trim() === ''}>
          {addState.loading ? 'Adding…' : 'Add member'}
        </button>
      </form>
      {addState.error && (
        <p role="alert" className="form-error">
          {apiError(addState.error).message}
        </p>
      )}
      {notice && (
        <p role="status" className="muted">
          {notice}
        </p>
      )}
    </section>
  );
}
