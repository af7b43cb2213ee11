import { ownerTag } from '../providers/digitalocean/droplets.js';
import { memo, type ProviderContext } from './context.js';
import { answerMessage, isAnswer, type ApiAnswer, type ReadOnlyApi } from './http.js';
import { check, reporter, type CheckResult, type CheckSuite, type PreflightCheck } from './types.js';
import { sizesUsed, totalNodes } from './usage.js';

/** A DigitalOcean suite's context: the common one, the API (GET only) and the listings checks share. */
export interface DoContext extends ProviderContext {
  api: ReadOnlyApi;
  account(): Promise<ApiAnswer>;
  regions(): Promise<DoRegion[] | ApiAnswer>;
}

interface DoRegion {
  slug: string;
  name: string;
  available: boolean;
  sizes: string[];
}

const SUBJECT = 'digitalocean';

/** Builds the suite: the token first, then every check below over one shared context. */
export function digitalOceanSuite(base: ProviderContext, api: ReadOnlyApi, checks: readonly PreflightCheck<DoContext>[] = DO_CHECKS): CheckSuite<DoContext> {
  const context: DoContext = { ...base, api, account: memo(() => api.get('/account')), regions: memo(() => listRegions(api)) };
  return { subject: SUBJECT, context, gate: tokenCheck, checks };
}

/** The token is valid: `GET /v2/account` answers (403 still means a valid token without `account:read`). */
const tokenCheck = check<DoContext>(SUBJECT, 'token', async (ctx, r) => {
  const a = await ctx.account();
  if (a.status === 403) return [r.pass('token works (it may not read the account: see the scopes line)')];
  if (a.status !== 200) return [r.fail(`the token does not work: GET /v2/account answered ${answerMessage(a)}`)];
  const account = (a.body as { account?: { email?: string; status?: string; status_message?: string; team?: { name?: string } } }).account ?? {};
  const team = account.team?.name ? `, team ${account.team.name}` : '';
  const out = [r.pass(`token works (account ${account.email ?? 'unknown'}${team})`)];
  if (account.status && account.status !== 'active') {
    out.push(reporter(SUBJECT, 'account').fail(`the account is ${account.status}${account.status_message ? `: ${account.status_message}` : ''}; DigitalOcean refuses new droplets until it is active`));
  }
  return out;
});

/** Read scopes clusterops uses, each with a read that needs exactly it (docs.digitalocean.com/reference/api/scopes). */
function readProbes(image: string, keyFingerprint: string): { scope: string; path: string; why: string }[] {
  return [
    { scope: 'account:read', path: '/account', why: 'the droplet limit' },
    { scope: 'droplet:read', path: '/droplets?per_page=1', why: 'listing its droplets' },
    { scope: 'regions:read', path: '/regions?per_page=1', why: 'required by droplet:create' },
    { scope: 'sizes:read', path: '/sizes?per_page=1', why: 'required by droplet:create' },
    { scope: 'image:read', path: `/images/${encodeURIComponent(image)}`, why: 'required by droplet:create' },
    { scope: 'actions:read', path: '/actions?per_page=1', why: 'required by droplet:create' },
    // By fingerprint (a 404 proves the scope as well as a 200): the key listing is limited to 10 calls a minute.
    { scope: 'ssh_key:read', path: `/account/keys/${keyFingerprint}`, why: 'finding its SSH key' },
  ];
}

/** A fingerprint no key has, for the ssh_key:read probe when clusterops has no key pair yet. */
const NO_KEY_FINGERPRINT = '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00';

/** Scopes a create or delete needs; DigitalOcean has no endpoint that lists a token's scopes, so these cannot be read. */
export const DO_WRITE_SCOPES = ['droplet:create', 'droplet:delete', 'tag:create', 'ssh_key:create'];

const scopesCheck = check<DoContext>(SUBJECT, 'scopes', async (ctx, r) => {
  const probes = readProbes(ctx.image(firstRegion(ctx) ?? 'nyc3'), ctx.sshKey?.md5 ?? NO_KEY_FINGERPRINT);
  const answers = await Promise.all(probes.map(async (p) => ({ ...p, answer: p.scope === 'account:read' ? await ctx.account() : await getPath(ctx.api, p.path) })));
  const out: CheckResult[] = [];
  for (const p of answers) {
    if (p.answer.status === 403) out.push(r.fail(`the token lacks scope ${p.scope} (${p.why}): GET /v2${p.path.split('?')[0]} answered ${answerMessage(p.answer)}`));
    else if (p.answer.status === 429 || p.answer.status >= 500) out.push(r.fail(`cannot tell whether the token has ${p.scope}: GET /v2${p.path.split('?')[0]} answered ${answerMessage(p.answer)}`));
  }
  if (out.length === 0) out.push(r.pass(`the token has the read scopes clusterops needs (${probes.map((p) => p.scope).join(', ')})`));
  out.push(r.skip(`not checked: the write scopes ${DO_WRITE_SCOPES.join(', ')} (DigitalOcean has no endpoint that lists a token's scopes, and a write would be needed to test them)`));
  return out;
});

const regionsCheck = check<DoContext>(SUBJECT, 'region', async (ctx, r) => {
  if (ctx.usage.regions.size === 0) return [];
  const regions = await ctx.regions();
  if (isAnswer(regions)) return [r.fail(`cannot list regions: GET /v2/regions answered ${answerMessage(regions)}`)];
  return [...ctx.usage.regions].map(([slug, where]) => {
    const region = regions.find((x) => x.slug === slug);
    if (!region) return r.fail(`region ${slug} does not exist`, where);
    if (!region.available) return r.fail(`region ${slug} (${region.name}) does not take new droplets`, where);
    return r.pass(`region ${slug} (${region.name}) takes new droplets`, where);
  });
});

const sizesCheck = check<DoContext>(SUBJECT, 'size', async (ctx, r) => {
  const used = sizesUsed(ctx.usage);
  if (used.length === 0) return [];
  const regions = await ctx.regions();
  if (isAnswer(regions)) return [r.fail(`cannot list the sizes of regions: GET /v2/regions answered ${answerMessage(regions)}`)];
  return used.map(({ region, size, where }) => {
    const offered = regions.find((x) => x.slug === region)?.sizes ?? [];
    return offered.includes(size) ? r.pass(`size ${size} is offered in ${region}`, where) : r.fail(`size ${size} is not offered in ${region}`, where);
  });
});

const imageCheck = check<DoContext>(SUBJECT, 'image', async (ctx, r) => {
  const regions = [...ctx.usage.regions.keys()];
  const byImage = new Map<string, string[]>();
  for (const region of regions) byImage.set(ctx.image(region), [...(byImage.get(ctx.image(region)) ?? []), region]);
  return (await Promise.all([...byImage].map(async ([slug, inRegions]) => imageResults(r, ctx, slug, inRegions)))).flat();
});

async function imageResults(r: ReturnType<typeof reporter>, ctx: DoContext, slug: string, regions: string[]): Promise<CheckResult[]> {
  const a = await getPath(ctx.api, `/images/${encodeURIComponent(slug)}`);
  if (a.status === 404) return [r.fail(`image ${slug} does not exist`)];
  if (a.status !== 200) return [r.fail(`cannot read image ${slug}: GET /v2/images/${slug} answered ${answerMessage(a)}`)];
  const image = (a.body as { image?: { regions?: string[]; status?: string } }).image ?? {};
  if (image.status && image.status !== 'available') return [r.fail(`image ${slug} is ${image.status}, not available`)];
  return regions.map((region) =>
    image.regions?.includes(region) ? r.pass(`image ${slug} is available in ${region}`, ctx.usage.regions.get(region)) : r.fail(`image ${slug} is not available in ${region}`, ctx.usage.regions.get(region)),
  );
}

const sshKeyCheck = check<DoContext>(SUBJECT, 'ssh-key', async (ctx, r) => {
  if (!ctx.sshKey) return [r.skip(`not checked: clusterops has no SSH key yet (${ctx.sshDir}); it creates one at its first start and registers it with DigitalOcean`)];
  const a = await getPath(ctx.api, `/account/keys/${ctx.sshKey.md5}`);
  if (a.status === 200) {
    const key = (a.body as { ssh_key?: { id?: number; name?: string } }).ssh_key ?? {};
    return [r.pass(`clusterops' SSH key ${ctx.sshKey.md5} is registered ("${key.name ?? ''}", id ${key.id ?? '?'})`)];
  }
  if (a.status === 404) return [r.pass(`clusterops' SSH key ${ctx.sshKey.md5} is not registered yet; clusterops registers it at start (the token needs ssh_key:create)`)];
  return [r.fail(`cannot look up clusterops' SSH key: GET /v2/account/keys/${ctx.sshKey.md5} answered ${answerMessage(a)}`)];
});

const quotaCheck = check<DoContext>(SUBJECT, 'quota', async (ctx, r) => {
  const a = await ctx.account();
  if (a.status !== 200) return [r.skip(`not checked: the droplet limit needs account:read (GET /v2/account answered ${answerMessage(a)})`)];
  const limit = (a.body as { account?: { droplet_limit?: number } }).account?.droplet_limit;
  if (typeof limit !== 'number') return [r.skip('not checked: the account has no droplet_limit')];
  const inUse = await dropletCount(ctx.api, {});
  const ours = ctx.ownerId ? await dropletCount(ctx.api, { tag_name: ownerTag(ctx.ownerId) }) : 0;
  if (typeof inUse === 'string' || typeof ours === 'string') return [r.fail(`cannot count droplets: ${typeof inUse === 'string' ? inUse : ours}`)];
  const needed = Math.max(0, totalNodes(ctx.usage) - ours);
  const room = Math.max(0, limit - inUse);
  const text = `droplet limit ${limit}: ${inUse} in use (${ours} of them clusterops'), room for ${room}; the manifests need ${needed} more`;
  return [needed <= room ? r.pass(text) : r.fail(`${text}: ask DigitalOcean to raise the limit or free droplets`, ctx.usage.clusters)];
});

/** The checks of a DigitalOcean account, in report order; other checks plug in by extending this list. */
export const DO_CHECKS: readonly PreflightCheck<DoContext>[] = [scopesCheck, regionsCheck, sizesCheck, imageCheck, sshKeyCheck, quotaCheck];

async function getPath(api: ReadOnlyApi, pathAndQuery: string): Promise<ApiAnswer> {
  const [path = '', query] = pathAndQuery.split('?');
  return api.get(path, query ? Object.fromEntries(new URLSearchParams(query)) : undefined);
}

/** `meta.total` of a droplet listing; a never-used tag may answer 404, which is none. A string says why it failed. */
async function dropletCount(api: ReadOnlyApi, query: Record<string, string>): Promise<number | string> {
  const a = await api.get('/droplets', { ...query, per_page: '1' });
  if (a.status === 404 && query.tag_name) return 0;
  const total = (a.body as { meta?: { total?: number } } | undefined)?.meta?.total;
  return a.status === 200 && typeof total === 'number' ? total : `GET /v2/droplets answered ${answerMessage(a)}`;
}

async function listRegions(api: ReadOnlyApi): Promise<DoRegion[] | ApiAnswer> {
  const out: DoRegion[] = [];
  for (let page = 1; page <= 10; page++) {
    const a = await api.get('/regions', { per_page: '200', page: String(page) });
    if (a.status !== 200) return a;
    const body = a.body as { regions?: DoRegion[]; links?: { pages?: { next?: string } } };
    out.push(...(body.regions ?? []));
    if (!body.links?.pages?.next) break;
  }
  return out;
}

function firstRegion(ctx: ProviderContext): string | undefined {
  return [...ctx.usage.regions.keys()][0];
}
