import { useEffect, useRef, type ReactNode } from 'react';
import { Navigation } from './Navigation';
import { usePathname } from './router';
import { UserMenu } from './UserMenu';

/** Header with the user menu, navigation, and the page. Moves focus to the page heading on navigation. */
export function Layout({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = main.current?.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [pathname]);

  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="layout__header">
        <span className="brand">Outpost</span>
        <UserMenu />
      </header>
      <div className="layout__body">
        <Navigation />
        <main id="main" ref={main} className="layout__main">
          {children}
        </main>
      </div>
    </div>
  );
}
