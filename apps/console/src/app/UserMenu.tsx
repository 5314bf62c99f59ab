import { useMutation } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { useRestartSession } from '../api/ApiProvider';
import { apiError } from '../api/errors';
import { LogoutMutation } from './session.graphql';
import { useViewer } from './viewer';

const ROLE_LABELS = { ADMIN: 'Site admin', MANAGER: 'Site manager', MEMBER: 'Member' } as const;

/** Who is signed in, and sign out. A disclosure (button + panel), closed by Escape or a click outside. */
export function UserMenu() {
  const viewer = useViewer();
  const restartSession = useRestartSession();
  const [open, setOpen] = useState(false);
  const [logout, { loading, error }] = useMutation(LogoutMutation);
  const panelId = useId();
  const container = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onPointer = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  const signOut = async () => {
    try {
      await logout();
      restartSession();
    } catch {
      // Shown below from the mutation's error state.
    }
  };

  return (
    <div className="user-menu" ref={container}>
      <button
        ref={button}
        type="button"
        className="user-menu__button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="user-menu__avatar" aria-hidden="true">
          {viewer.name.slice(0, 1).toUpperCase()}
        </span>
        <span>
          <span className="visually-hidden">Signed in as </span>
          {viewer.name}
        </span>
      </button>
      <div id={panelId} className="user-menu__panel" hidden={!open}>
        <p className="user-menu__who">
          <strong>{viewer.name}</strong>
          <br />
          {viewer.email}
          <br />
          <span className="muted">{ROLE_LABELS[viewer.siteRole]}</span>
        </p>
        {error && (
          <p role="alert" className="form-error">
            Sign-out failed: {apiError(error).message}
          </p>
        )}
        <button type="button" onClick={() => void signOut()} disabled={loading}>
          {loading ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
    </div>
  );
}
