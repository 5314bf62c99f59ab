import { useMutation } from '@apollo/client/react';
import { useId, useRef, useState, type FormEvent } from 'react';
import { apiError } from '../../api/errors';
import type { CreateOrganizationMutation as CreateOrganizationData } from '../../generated/graphql';
import { CreateOrganizationMutation } from './organizations.graphql';
import { slugProblem } from './slug';

export type CreatedOrganization = CreateOrganizationData['createOrganization'];

interface Props {
  onCreated: (organization: CreatedOrganization) => void;
  onCancel: () => void;
}

/**
 * Name and slug. The slug is checked as a DNS label before sending; the server's refusals
 * (BAD_USER_INPUT, CONFLICT) are shown next to the field they name, others below the form.
 */
export function CreateOrganizationForm({ onCreated, onCancel }: Props) {
  const id = useId();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const slugInput = useRef<HTMLInputElement>(null);
  const [create, { loading, error, reset }] = useMutation(CreateOrganizationMutation);

  const failure = error ? apiError(error) : null;
  const failureField = typeof failure?.extensions.field === 'string' ? failure.extensions.field : null;
  const localSlugProblem = slugTouched || submitted ? slugProblem(slug) : null;
  const nameProblem = submitted && name.trim() === '' ? 'Enter a name.' : null;
  const slugError = localSlugProblem ?? (failureField === 'slug' ? failure?.message : null) ?? null;
  const nameError = nameProblem ?? (failureField === 'name' ? failure?.message : null) ?? null;
  const formError = failure && failureField !== 'slug' && failureField !== 'name' ? failure.message : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (name.trim() === '') {
      nameInput.current?.focus();
      return;
    }
    if (slugProblem(slug)) {
      slugInput.current?.focus();
      return;
    }
    try {
      const result = await create({ variables: { name: name.trim(), slug } });
      if (result.data) onCreated(result.data.createOrganization);
    } catch {
      // Shown from the mutation's error state.
    }
  };

  return (
    <form className="form card" aria-labelledby={`${id}-title`} noValidate onSubmit={(e) => void submit(e)}>
      <h2 id={`${id}-title`}>Create an organization</h2>
      <div className="form__field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          ref={nameInput}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (failureField === 'name') reset();
          }}
          autoComplete="off"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${id}-name-error` : undefined}
        />
        {nameError && (
          <span id={`${id}-name-error`} className="form-error">
            {nameError}
          </span>
        )}
      </div>
      <div className="form__field">
        <label htmlFor={`${id}-slug`}>Slug</label>
        <input
          id={`${id}-slug`}
          ref={slugInput}
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            if (failureField === 'slug') reset();
          }}
          onBlur={() => setSlugTouched(true)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={slugError ? true : undefined}
          aria-describedby={`${id}-slug-hint${slugError ? ` ${id}-slug-error` : ''}`}
        />
        <span id={`${id}-slug-hint`} className="muted form__hint">
          A DNS label, e.g. <code>acme-research</code>: used in workspace addresses.
        </span>
        {slugError && (
          <span id={`${id}-slug-error`} className="form-error">
            {slugError}
          </span>
        )}
      </div>
      {formError && (
        <p role="alert" className="form-error">
          {formError}
        </p>
      )}
      {failureField && !formError && (
        <p role="alert" className="visually-hidden">
          {failure?.message}
        </p>
      )}
      <div className="form__actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Creating…' : 'Create organization'}
        </button>
      </div>
    </form>
  );
}
