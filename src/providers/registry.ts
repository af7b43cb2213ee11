import type { Provider } from '../domain/manifest/types.js';
import { createAwsAdapter } from './aws/index.js';
import { createDigitalOceanAdapter } from './digitalocean/index.js';
import { createHetznerAdapter } from './hetzner/index.js';
import type { AdapterOptions, ProviderAdapter } from './types.js';

/** Credentials per provider; each provider is optional (a cluster on a provider without them stalls). */
export interface ProviderCredentials {
  digitalocean?: { token: string };
  hetzner?: { token: string };
  aws?: { accessKeyId: string; secretAccessKey: string };
}

type Factory<P extends Provider> = (credentials: NonNullable<ProviderCredentials[P]>, options: AdapterOptions) => ProviderAdapter;

/** Every provider adapter, in one explicit map (a test checks each src/providers/<name>/ is here). */
export const adapterFactories: { [P in Provider]: Factory<P> } = {
  digitalocean: (c, o) => createDigitalOceanAdapter({ ...o, token: c.token }),
  hetzner: (c, o) => createHetznerAdapter({ ...o, token: c.token }),
  aws: (c, o) => createAwsAdapter({ ...o, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }),
};

/**
 * Builds the adapters for the providers that have credentials. `endpoints` points a provider
 * at the simulated cloud (or a proxy); absent means the provider's public API.
 */
export function createProviderAdapters(
  credentials: ProviderCredentials,
  options: Omit<AdapterOptions, 'endpoint'> & { endpoints?: Partial<Record<Provider, string>> },
): Partial<Record<Provider, ProviderAdapter>> {
  const { endpoints, ...common } = options;
  const out: Partial<Record<Provider, ProviderAdapter>> = {};
  const build = <P extends Provider>(p: P) => {
    const c = credentials[p];
    if (!c) return;
    const endpoint = endpoints?.[p];
    out[p] = adapterFactories[p](c as NonNullable<ProviderCredentials[P]>, { ...common, ...(endpoint ? { endpoint } : {}) });
  };
  build('digitalocean');
  build('hetzner');
  build('aws');
  return out;
}
