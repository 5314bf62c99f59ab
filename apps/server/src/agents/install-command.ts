/**
 * The helm command an admin runs to deploy a provider's agent. The token is read from a file
 * (`--set-file`), so it never appears in shell history or `ps`; the CLI writes that file with mode 0600.
 */
export function helmInstallCommand(provider: { name: string; namespace: string }, serverUrl: string): string {
  return [
    `helm upgrade --install outpost-provider-${provider.name} charts/outpost-provider`,
    `--namespace ${provider.namespace} --create-namespace`,
    `--set server.url=${serverUrl}`,
    `--set-file registrationToken=${registrationTokenFile(provider.name)}`,
  ].join(' \\\n  ');
}

export function registrationTokenFile(providerName: string): string {
  return `./${providerName}.registration-token`;
}
