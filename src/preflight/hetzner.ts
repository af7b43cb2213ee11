import { memo, type ProviderContext } from './context.js';
import { answerMessage, isAnswer, type ApiAnswer, type ReadOnlyApi } from './http.js';
import { check, type CheckSuite, type PreflightCheck } from './types.js';
import { sizesUsed } from './usage.js';

/** A Hetzner suite's context: the common one, the API (GET only) and the listings checks share. */
export interface HetznerContext extends ProviderContext {
  api: ReadOnlyApi;
  locations(): Promise<{ name: string; description?: string }[] | ApiAnswer>;
  serverType(name: string): Promise<HetznerServerType | null | ApiAnswer>;
}

interface HetznerServerType {
  name: string;
  architecture?: string;
  deprecation?: { unavailable_after?: string } | null;
  prices?: { location: string }[];
  /** Since the API dropped datacenters: where the type is sold and whether it can be ordered now. */
  locations?: { name: string; available?: boolean }[];
}

const SUBJECT = 'hetzner';

export function hetznerSuite(base: ProviderContext, api: ReadOnlyApi, checks: readonly PreflightCheck<HetznerContext>[] = HETZNER_CHECKS): CheckSuite<HetznerContext> {
  const types = new Map<string, () => Promise<HetznerServerType | null | ApiAnswer>>();
  const context: HetznerContext = {
    ...base,
    api,
    locations: memo(async () => {
      const a = await api.get('/locations', { per_page: '50' });
      return a.status === 200 ? ((a.body as { locations?: { name: string }[] }).locations ?? []) : a;
    }),
    serverType: (name) => {
      const load = types.get(name) ?? memo(async () => {
        const a = await api.get('/server_types', { name });
        return a.status === 200 ? ((a.body as { server_types?: HetznerServerType[] }).server_types?.[0] ?? null) : a;
      });
      types.set(name, load);
      return load();
    },
  };
  return { subject: SUBJECT, context, gate: tokenCheck, checks };
}

const tokenCheck = check<HetznerContext>(SUBJECT, 'token', async (ctx, r) => {
  const locations = await ctx.locations();
  if (isAnswer(locations)) return [r.fail(`the token does not work: GET /v1/locations answered ${answerMessage(locations)}`)];
  return [r.pass(`token works (its project sees ${locations.length} locations)`)];
});

/** Hetzner tokens are "Read" or "Read & Write", and nothing tells which without a write. */
const permissionCheck = check<HetznerContext>(SUBJECT, 'permission', async (_ctx, r) => {
  return [
    r.skip(
      'not checked: whether the token is "Read & Write" (Hetzner has no endpoint that describes a token, and only a write tells a "Read" token apart: it answers token_readonly)',
    ),
  ];
});

const locationsCheck = check<HetznerContext>(SUBJECT, 'location', async (ctx, r) => {
  if (ctx.usage.regions.size === 0) return [];
  const locations = await ctx.locations();
  if (isAnswer(locations)) return [r.fail(`cannot list locations: ${answerMessage(locations)}`)];
  return [...ctx.usage.regions].map(([name, where]) => {
    const l = locations.find((x) => x.name === name);
    return l ? r.pass(`location ${name}${l.description ? ` (${l.description})` : ''} exists`, where) : r.fail(`location ${name} does not exist`, where);
  });
});

const serverTypesCheck = check<HetznerContext>(SUBJECT, 'server-type', async (ctx, r) => {
  return Promise.all(
    sizesUsed(ctx.usage).map(async ({ region, size, where }) => {
      const t = await ctx.serverType(size);
      if (t === null) return r.fail(`server type ${size} does not exist`, where);
      if (isAnswer(t)) return r.fail(`cannot read server type ${size}: ${answerMessage(t)}`, where);
      const type = t;
      if (type.deprecation) return r.fail(`server type ${size} is deprecated${type.deprecation.unavailable_after ? ` (orderable until ${type.deprecation.unavailable_after})` : ''}`, where);
      const at = type.locations?.find((l) => l.name === region);
      const sold = type.locations ? at !== undefined : (type.prices ?? []).some((p) => p.location === region);
      if (!sold) return r.fail(`server type ${size} is not offered in ${region}`, where);
      if (at?.available === false) return r.fail(`server type ${size} is sold in ${region} but not available there now (out of stock)`, where);
      return r.pass(`server type ${size} is offered in ${region}`, where);
    }),
  );
});

const imageCheck = check<HetznerContext>(SUBJECT, 'image', async (ctx, r) => {
  const wanted = new Map<string, { architecture: string; where: string[] }>();
  for (const { region, size, where } of sizesUsed(ctx.usage)) {
    const t = await ctx.serverType(size);
    const architecture = t && !isAnswer(t) ? (t.architecture ?? 'x86') : 'x86';
    const key = `${ctx.image(region)}\n${architecture}`;
    wanted.set(key, { architecture, where: [...(wanted.get(key)?.where ?? []), ...where] });
  }
  return Promise.all(
    [...wanted].map(async ([key, { architecture, where }]) => {
      const name = key.split('\n')[0]!;
      const a = await ctx.api.get('/images', { name, architecture, type: 'system' });
      if (a.status !== 200) return r.fail(`cannot look up image ${name}: GET /v1/images answered ${answerMessage(a)}`, where);
      const image = (a.body as { images?: { status?: string; deprecated?: string | null }[] }).images?.[0];
      if (!image) return r.fail(`image ${name} (${architecture}) does not exist`, where);
      if (image.status !== 'available') return r.fail(`image ${name} (${architecture}) is ${image.status ?? 'not available'}`, where);
      if (image.deprecated) return r.fail(`image ${name} (${architecture}) is deprecated since ${image.deprecated}`, where);
      // Hetzner's system images are the same in every location.
      return r.pass(`image ${name} (${architecture}) is available in every location`, where);
    }),
  );
});

const sshKeyCheck = check<HetznerContext>(SUBJECT, 'ssh-key', async (ctx, r) => {
  if (!ctx.sshKey) return [r.skip(`not checked: clusterops has no SSH key yet (${ctx.sshDir}); it creates one at its first start and registers it with Hetzner`)];
  const a = await ctx.api.get('/ssh_keys', { fingerprint: ctx.sshKey.md5 });
  if (a.status !== 200) return [r.fail(`cannot look up clusterops' SSH key: GET /v1/ssh_keys answered ${answerMessage(a)}`)];
  const key = (a.body as { ssh_keys?: { id?: number; name?: string }[] }).ssh_keys?.[0];
  if (key) return [r.pass(`clusterops' SSH key ${ctx.sshKey.md5} is registered ("${key.name ?? ''}", id ${key.id ?? '?'})`)];
  return [r.pass(`clusterops' SSH key ${ctx.sshKey.md5} is not registered yet; clusterops registers it at start (the token must be "Read & Write")`)];
});

const limitsCheck = check<HetznerContext>(SUBJECT, 'quota', async (_ctx, r) => {
  return [r.skip("not checked: the project's server limit (the Hetzner Cloud API does not expose a project's limits; see the Console's Limits page)")];
});

/** The checks of a Hetzner project, in report order; other checks plug in by extending this list. */
export const HETZNER_CHECKS: readonly PreflightCheck<HetznerContext>[] = [permissionCheck, locationsCheck, serverTypesCheck, imageCheck, sshKeyCheck, limitsCheck];
