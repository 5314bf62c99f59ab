import type { Locator, Page } from '@playwright/test';
import { expect } from '../support/outpost.js';

/** Manage › Admin › Workspace Providers, as a user sees it: rows by provider name, tags, statuses. */
export class ProvidersPage {
  static readonly path = '/manage/admin/workspace-providers';

  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Workspace Providers' });
  }

  async open(): Promise<void> {
    await this.page.goto(ProvidersPage.path);
  }

  /** The console's sign-in form, shown in place of any page until someone signs in. */
  async signIn(who: { email: string; password: string }): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Sign in to Outpost' })).toBeVisible();
    await this.page.getByLabel('Email').fill(who.email);
    await this.page.getByLabel('Password').fill(who.password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await expect(this.heading).toBeVisible();
  }

  /** The button that expands or collapses a provider's row; its name is the provider's name. */
  toggle(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  /** The summary line of one provider. */
  row(name: string): Locator {
    return this.page.locator('.provider-row').filter({ has: this.toggle(name) });
  }

  defaultTag(name: string): Locator {
    return this.row(name).locator('.tag').getByText('default', { exact: true });
  }

  async expectStatus(name: string, status: 'Pending' | 'Ready' | 'Error'): Promise<void> {
    await expect(this.row(name).locator('.status-badge')).toHaveText(new RegExp(`\\b${status}$`));
  }

  /** The expanded details of a provider (a region named "Details of <name>"). */
  details(name: string): Locator {
    return this.page.getByRole('region', { name: `Details of ${name}` });
  }

  async expand(name: string): Promise<Locator> {
    await this.toggle(name).click();
    await expect(this.toggle(name)).toHaveAttribute('aria-expanded', 'true');
    const details = this.details(name);
    await expect(details.getByRole('heading', { name: 'Agent checks' })).toBeVisible();
    return details;
  }

  async collapse(name: string): Promise<void> {
    await this.toggle(name).click();
    await expect(this.toggle(name)).toHaveAttribute('aria-expanded', 'false');
  }

  async setAsDefault(name: string): Promise<void> {
    await this.details(name).getByRole('button', { name: 'Set as default' }).click();
  }

  async removeFromAllowlist(provider: string, organization: string): Promise<void> {
    await this.details(provider)
      .getByRole('button', { name: `Remove ${organization} from the allowlist` })
      .click();
  }
}
