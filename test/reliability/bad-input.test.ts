import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/domain/manifest/repository.js';
import { call, group, head, manifest, startApiWorld, waitFor, type ApiWorld, type Reply } from '../integration/api/api-harness.js';
import { alpha, REPO as GH_REPO, startGitHubWorld, WEBHOOK_SECRET as GH_WEBHOOK_SECRET, type GitHubWorld } from '../integration/dashboard/github-world.js';
import { postHook, pullRequestBody, signBytes } from '../integration/status/hook-client.js';
import { apiCase, manifestText, type ApiCase } from './bad-input-arbitraries.js';
import { baselineOf, HARM_KINDS, harmCounts, harmDetails, KindTally, noHarm, restoreFleet, startFleetWorld, takeEdit, type Baseline } from './edit-world.js';
import { describeEdit, editsInTurn, freshBook, kindOf } from './git-edit-arbitraries.js';
import { rawRequest, type RawReply } from './raw-http.js';
import { EDIT_SIZES, report, SIZES } from './sizes.js';

/**
 * Bad input (issue 10, suite 4): property-based fuzzing with fast-check of every API
 * procedure's parameters and bodies (plus wrong methods, tokens and content types) over real
 * HTTP, of manifest texts through the validator and through the running daemon, and hand-made
 * hostile requests (Authorization missing, huge, duplicated; bodies that are not JSON, deeply
 * nested, too large). Zero 5xx, zero crashes, every rejection a documented 4xx in the
 * `{"error":{code,message,httpStatus,path?}}` envelope, and a rejected request commits nothing.
 */

const API_CASES = Math.round(SIZES.fuzzCases * 0.7);
const MANIFEST_CASES = SIZES.fuzzCases - API_CASES;
/** Fuzzed manifests also pushed to the running daemon (a Git push each is slow: a sample). */
const PUSHED_MANIFESTS = SIZES.fuzzCases >= 10_000 ? 60 : 20;
const DOCUMENTED = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422, 431]);
const SEED = Number(process.env.CLUSTEROPS_FUZZ_SEED ?? 20261129);

const FUZZ1 = manifest('fuzz1', { id: 'cluster_fuzz1', groups: [group('manager', 'nano', 1), group('worker', 'nano', 1)].join('\n') });
const FUZZ2 = `${manifest('fuzz2', { id: 'cluster_fuzz2', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', groups: group('manager', 'nano', 1) })}access:\n  - userId: user_bob\n    permission: read\n`;

/** The envelope every error answers with; returns what is wrong with a reply, if anything. */
function envelopeProblem(status: number, contentType: string | null, json: any): string | undefined {
  if (!DOCUMENTED.has(status)) return `status ${status} is not a documented client error`;
  if (!contentType?.startsWith('application/json')) return `content-type ${contentType}`;
  if (!json || typeof json !== 'object' || Object.keys(json).join() !== 'error') return 'body is not {"error":…}';
  const e = json.error;
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'httpStatus', 'path'].includes(k));
  if (typeof e.code !== 'string' || typeof e.message !== 'string' || e.httpStatus !== status || extra.length > 0) return `bad error object ${JSON.stringify(e).slice(0, 200)}`;
  if ('path' in e && typeof e.path !== 'string') return 'error.path is not a string';
  return undefined;
}

describe('bad input: fuzzed API calls and manifests, hostile headers and bodies', () => {
  let w: ApiWorld;
  const tally = { cases: 0, byStatus: {} as Record<string, number>, serverErrors: 0, crashes: 0, badEnvelopes: 0, committedOnRejection: 0, accepted: 0 };
  const failures: string[] = [];
  /** The remote's main without spawning git: the loose ref, else packed-refs. */
  const remoteHead = () => {
    try {
      return readFileSync(join(w.repo.remote, 'refs', 'heads', 'main'), 'utf8').trim();
    } catch {
      return head(w.repo);
    }
  };

  beforeAll(async () => {
    // No provider credentials: accepted writes are committed, but no VM is ever made for them
    // (the fuzzer may well create clusters of hundreds of nodes). Status commits off: only the
    // API moves the branch.
    w = await startApiWorld({ files: { 'clusters/fuzz1.yaml': FUZZ1, 'clusters/fuzz2.yaml': FUZZ2 }, config: { statusCommits: false, credentials: {} } });
    await waitFor('the daemon has the fuzz clusters', () => w.co.daemon.desired().get('cluster_fuzz1') !== undefined && w.co.daemon.desired().get('cluster_fuzz2') !== undefined);
  });
  afterAll(async () => {
    await w?.close();
  });

  function record(where: string, status: number, problem: string | undefined, committed: boolean): void {
    tally.cases += 1;
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
    if (status >= 500) tally.serverErrors += 1;
    if (status < 300) tally.accepted += 1;
    if (status >= 300 && problem) tally.badEnvelopes += 1;
    if (status >= 300 && committed) tally.committedOnRejection += 1;
    if (status >= 500 || (status >= 300 && (problem || committed))) failures.push(`${where} → ${status}${problem ? ` (${problem})` : ''}${committed ? ' (committed!)' : ''}`);
  }

  async function send(c: ApiCase): Promise<Reply> {
    const token = c.token === 'alice' ? w.tokens.alice : c.token === 'bob' ? w.tokens.bob : c.token === 'garbage' ? 'tok_garbage' : null;
    const headers: Record<string, string> = {};
    let raw: string | undefined;
    if (c.body) {
      raw = 'json' in c.body ? JSON.stringify(c.body.json) : c.body.raw;
      if (c.contentType) headers['content-type'] = c.contentType;
    }
    // fetch refuses a body on GET: a GET with a body becomes one without.
    return call(w.co.url, c.method, `/api/${c.procedure}`, { token, ...(c.query ? { query: c.query } : {}), ...(raw !== undefined && c.method !== 'GET' ? { raw } : {}), headers });
  }

  it(`${API_CASES} fuzzed API calls: no 5xx, no crash, every rejection enveloped and committing nothing`, async () => {
    await fc.assert(
      fc.asyncProperty(apiCase, async (c) => {
        const before = remoteHead();
        let res: Reply;
        try {
          res = await send(c);
        } catch (err) {
          tally.crashes += 1;
          failures.push(`${JSON.stringify(c).slice(0, 300)} → no answer: ${(err as Error).message}`);
          return true;
        }
        const committed = remoteHead() !== before;
        record(JSON.stringify(c).slice(0, 300), res.status, res.status >= 300 ? envelopeProblem(res.status, res.headers.get('content-type'), res.json) : undefined, committed);
        return true;
      }),
      { numRuns: API_CASES, seed: SEED, endOnFailure: true },
    );
    // The server still answers normally.
    const ok = await call(w.co.url, 'GET', '/api/cluster.one', { token: w.tokens.alice, query: { clusterId: 'cluster_fuzz1' } });
    expect(ok.status).toBe(200);
    expect(failures).toEqual([]);
    expect(tally.serverErrors + tally.crashes).toBe(0);
  });

  it(`${MANIFEST_CASES} fuzzed manifests through the validator: never throws, every invalid file gets a located error`, () => {
    let valid = 0;
    let invalid = 0;
    const problems: string[] = [];
    fc.assert(
      fc.property(manifestText, (text) => {
        let load: ReturnType<typeof loadRepository>;
        try {
          load = loadRepository([{ path: 'clusters/m.yaml', kind: 'file', content: text }]);
        } catch (err) {
          problems.push(`threw ${(err as Error).message} on ${JSON.stringify(text).slice(0, 200)}`);
          return true;
        }
        const lines = text.split('\n').length;
        if (load.clusters.length === 1) valid += 1;
        else {
          invalid += 1;
          const errors = load.diagnostics.filter((d) => d.severity === 'error');
          if (load.invalid.length !== 1 || errors.length === 0) problems.push(`invalid without an error: ${JSON.stringify(text).slice(0, 200)}`);
          for (const d of errors) if (d.file !== 'clusters/m.yaml' || !(d.line >= 1 && d.line <= lines + 1) || !(d.column >= 1) || d.message === '') problems.push(`bad diagnostic ${JSON.stringify(d)} for ${JSON.stringify(text).slice(0, 200)}`);
        }
        return true;
      }),
      { numRuns: MANIFEST_CASES, seed: SEED },
    );
    tally.cases += MANIFEST_CASES;
    report('bad input: manifests', { cases: MANIFEST_CASES, valid, invalid, problems: problems.length, ...(problems.length ? { details: problems.slice(0, 20) } : {}) });
    expect(problems).toEqual([]);
    expect(invalid).toBeGreaterThan(MANIFEST_CASES / 2);
  });

  it(`${PUSHED_MANIFESTS} fuzzed manifests pushed to the running daemon: it keeps serving, the good clusters stay as they were`, async () => {
    const texts = fc.sample(manifestText, { numRuns: PUSHED_MANIFESTS, seed: SEED + 1 });
    const before = w.co.daemon.desired().get('cluster_fuzz1');
    // Ten files per push: the daemon takes each revision in as a whole.
    for (let i = 0; i < texts.length; i += 10) {
      const files = Object.fromEntries(texts.slice(i, i + 10).map((t, j) => [`clusters/junk-${i + j}.yaml`, t]));
      w.repo.push(files, `fuzzed manifests ${i}–${i + 9}`);
      await w.co.daemon.pollNow();
      const health = await call(w.co.url, 'GET', '/healthz');
      const all = await call(w.co.url, 'GET', '/api/cluster.all', { token: w.tokens.alice });
      record(`push ${i}: /healthz`, health.status, undefined, false);
      record(`push ${i}: cluster.all`, all.status, undefined, false);
      expect([health.status, all.status]).toEqual([200, 200]);
      w.repo.push(Object.fromEntries(Object.keys(files).map((f) => [f, null])), 'remove fuzzed manifests');
    }
    await w.co.daemon.pollNow();
    expect(w.co.daemon.desired().get('cluster_fuzz1')).toEqual(before);
    expect(before?.kind).toBe('valid');
  });

  describe('hostile requests', () => {
    const hostile: { name: string; reply: RawReply; expected: number }[] = [];
    const path = '/api/cluster.one?clusterId=cluster_fuzz1';
    const req = (lines: string[], body?: string | Buffer) => rawRequest(w.co.url, lines, body);

    it('Authorization missing, malformed, huge, duplicated', async () => {
      const good = `Bearer ${w.tokens.alice}`;
      const cases: [string, string[], number][] = [
        ['missing', [], 401],
        ['empty', ['Authorization: '], 401],
        ['not Bearer', [`Authorization: Basic ${Buffer.from('alice:pw').toString('base64')}`], 401],
        ['Bearer and nothing', ['Authorization: Bearer'], 401],
        ['two tokens in one', [`Authorization: ${good} ${w.tokens.bob}`], 401],
        ['8 KiB token', [`Authorization: Bearer ${'x'.repeat(8 * 1024)}`], 401],
        ['60 KiB token (over the server header limit)', [`Authorization: Bearer ${'x'.repeat(60 * 1024)}`], 431],
        // Ambiguous: refused as a bad request (RFC 6750 §3.1), never "first one wins".
        ['duplicated: garbage then valid', ['Authorization: Bearer tok_garbage', `Authorization: ${good}`], 400],
        ['duplicated: valid then garbage', [`Authorization: ${good}`, 'Authorization: Bearer tok_garbage'], 400],
        ['duplicated: valid twice', [`Authorization: ${good}`, `Authorization: ${good}`], 400],
      ];
      for (const [name, headers, expected] of cases) {
        const reply = await req([`GET ${path} HTTP/1.1`, ...headers]);
        hostile.push({ name: `Authorization ${name}`, reply, expected });
      }
    });

    it('bodies that are not JSON, deeply nested, too large, or mislabelled', async () => {
      const auth = `Authorization: Bearer ${w.tokens.alice}`;
      const post = (body: string | Buffer, type = 'application/json') => req(['POST /api/cluster.addNode HTTP/1.1', auth, `Content-Type: ${type}`], body);
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const nestedObject = (depth: number) => `${'{"clusterId":'.repeat(depth)}"cluster_fuzz1"${'}'.repeat(depth)}`;
      const cases: [string, () => Promise<RawReply>, number][] = [
        ['not JSON', () => post('role=worker&plan=small'), 400],
        ['truncated JSON', () => post('{"clusterId":"cluster_fuzz1","role":'), 400],
        ['binary', () => post(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80])), 400],
        ['JSON labelled text/plain', () => post('{"clusterId":"cluster_fuzz1","role":"worker","plan":"small"}', 'text/plain'), 415],
        ['arrays nested 1,000 deep', () => post(nested(1_000)), 400],
        ['arrays nested 100,000 deep', () => post(nested(100_000)), 400],
        ['objects nested 20,000 deep', () => post(nestedObject(20_000)), 400],
        ['2 MiB body', () => post(`{"clusterId":"${'x'.repeat(2 * 1024 * 1024)}"}`), 413],
      ];
      for (const [name, send, expected] of cases) hostile.push({ name: `body ${name}`, reply: await send(), expected });
    });

    it('each answered as documented, nothing committed, the server still up', async () => {
      const before = remoteHead();
      const problems: string[] = [];
      for (const h of hostile) {
        const type = /content-type:\s*([^\r\n]+)/i.exec(h.reply.headers)?.[1] ?? null;
        // 431 comes from Node's HTTP parser before the app sees the request; the server's clientError handler still answers with the envelope.
        const problem = h.reply.status !== h.expected ? `status ${h.reply.status}, expected ${h.expected}: ${h.reply.body.slice(0, 200)}` : envelopeProblem(h.reply.status, type, h.reply.json);
        record(h.name, h.reply.status, problem, false);
        if (problem) problems.push(`${h.name}: ${problem}`);
      }
      expect(remoteHead()).toBe(before);
      expect((await call(w.co.url, 'GET', '/healthz')).status).toBe(200);
      report('bad input: hostile requests', Object.fromEntries(hostile.map((h) => [h.name, h.reply.status])));
      expect(problems).toEqual([]);
    });
  });

  it('prints the counts', () => {
    report('bad input', { ...tally, failures: failures.length, ...(failures.length ? { details: failures.slice(0, 30) } : {}) });
    expect(tally.cases).toBeGreaterThanOrEqual(SIZES.fuzzCases);
    expect({ serverErrors: tally.serverErrors, crashes: tally.crashes, badEnvelopes: tally.badEnvelopes, committedOnRejection: tally.committedOnRejection }).toEqual({ serverErrors: 0, crashes: 0, badEnvelopes: 0, committedOnRejection: 0 });
  });
});

/**
 * Fuzzed Git edits (issue 14, items 1–4): from a converged fleet with provider credentials, one
 * edit at a time — an id removed, a rename, a move into a sub-folder or a rejected layout, an
 * immutable field changed, manifests deleted with a marker commit message — each kind in turn,
 * its target and variant drawn by fast-check, pushed and taken in, then every manifest put
 * back. Counts what the edits caused that they must not: VMs deleted or created, running VMs
 * the API no longer shows, clusters listed in another organisation, duplicates.
 */
const GIT_KINDS = ['remove-id', 'rename', 'layout', 'immutable', 'delete-several'] as const;

describe(`bad input: ${EDIT_SIZES.fuzzedGitEdits} fuzzed Git edits against a converged fleet (seed ${SEED})`, () => {
  it('no VM deleted or created, no organisation changed, nothing duplicated', async () => {
    const harm = noHarm();
    const byKind = new KindTally();
    const stuck: string[] = [];
    const { w, baseline: first } = await startFleetWorld();
    let baseline: Baseline = first;
    try {
      for (const edit of editsInTurn(GIT_KINDS, EDIT_SIZES.fuzzedGitEdits, SEED)) {
        const book = freshBook();
        const { found } = await takeEdit(w, baseline, harm, book, edit);
        byKind.add(kindOf(edit), found > 0);
        stuck.push(...(await restoreFleet(w, book)).map((name) => `${name} after undoing ${describeEdit(edit)}`));
        // The next case starts from the world as it is now (VMs an edit replaced are counted already).
        baseline = baselineOf(w);
      }
    } finally {
      await w.close();
    }
    report('bad input: Git edits', { seed: SEED, cases: EDIT_SIZES.fuzzedGitEdits, 'edits by kind (harmful/made)': byKind.toJSON(), ...harmCounts(harm), 'clusters not converged after undoing': stuck.length, details: [...harmDetails(harm), ...stuck] });
    expect(Object.fromEntries(HARM_KINDS.map((k) => [k, harm[k].size]))).toEqual(Object.fromEntries(HARM_KINDS.map((k) => [k, 0])));
    expect(stuck).toEqual([]);
  });
});

// ---- Issue 14, items 6 and 7: forged and replayed webhooks, oversized pull-request comments ----

describe('bad input: forged and replayed webhooks, an oversized plan comment (GitHub integration on)', () => {
  const FORGED = Math.max(50, Math.round(SIZES.fuzzCases / 20));
  let gw: GitHubWorld;
  const apiCalls = () => Object.values(gw.gh.calls).reduce((n, v) => n + v, 0);

  beforeAll(async () => {
    gw = await startGitHubWorld();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it(`${FORGED} forged deliveries (fuzzed bodies, no, wrong or re-serialised signatures) are all refused and cost no GitHub call`, async () => {
    gw.branch('forged-target', { 'clusters/alpha.yaml': alpha(2) });
    const pr = await gw.gh.openPullRequest({ repo: GH_REPO, head: 'forged-target', title: 'target of forged events' });
    const before = apiCalls();
    const statuses: Record<string, number> = {};
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constantFrom('closed', 'opened', 'synchronize').map((action) => pullRequestBody(action, pr.number, action === 'closed')),
      fc.json(),
    );
    const signature = fc.oneof(fc.constant(''), fc.constant('sha256=deadbeef'), fc.string({ maxLength: 80 }).map((s) => signBytes('guessed-secret', s)));
    const samples = fc.sample(fc.tuple(body, signature, fc.constantFrom('pull_request', 'push', 'ping')), { numRuns: FORGED, seed: SEED });
    for (const [text, sig, event] of samples) {
      const reply = await postHook(gw.w.co.url, { event, body: text, signature: sig });
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    }
    // The same event signed over its re-serialised JSON, not over the bytes sent.
    const spaced = `{ "action": "closed", "number": ${pr.number}, "pull_request": { "merged": true } }`;
    const reserialised = await postHook(gw.w.co.url, { event: 'pull_request', body: spaced, signature: signBytes(GH_WEBHOOK_SECRET, JSON.stringify(JSON.parse(spaced))) });
    statuses[reserialised.status] = (statuses[reserialised.status] ?? 0) + 1;
    await gw.w.co.prWatcher!.idle();
    report('bad input: forged webhooks', { deliveries: FORGED + 1, byStatus: statuses, githubApiCalls: apiCalls() - before, comments: gw.gh.comments(GH_REPO, pr.number).length });
    expect(statuses).toEqual({ 401: FORGED + 1 });
    expect(apiCalls()).toBe(before);
    expect(gw.gh.comments(GH_REPO, pr.number)).toEqual([]);
  });

  it('a delivery replayed many times is acted on once', async () => {
    const pr = (await gw.gh.openPullRequest({ repo: GH_REPO, head: 'forged-target', title: 'replayed' })).number;
    const body = pullRequestBody('synchronize', pr);
    const replies: number[] = [];
    for (let i = 0; i < 20; i++) {
      replies.push((await postHook(gw.w.co.url, { event: 'pull_request', body, secret: GH_WEBHOOK_SECRET, delivery: 'replayed-delivery-14' })).status);
      if (i === 0) await gw.w.co.prWatcher!.idle();
    }
    await gw.w.co.prWatcher!.idle();
    expect(replies).toEqual([202, ...Array<number>(19).fill(200)]);
    expect(gw.gh.comments(GH_REPO, pr).filter((c) => c.body.includes('<!-- clusterops:plan -->'))).toHaveLength(1);
  });

  it('a pull request whose plan comment would be huge gets it posted within 65,536 characters', async () => {
    const files = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`clusters/junk-${i}.yaml`, `name: junk-${i}\nprovider: ${'p'.repeat(60)}\nregion: ${'r'.repeat(60)}\nnodes: -1\n`]));
    const { repo } = gw.w;
    repo.git(repo.work, 'checkout', '-q', '-B', 'huge-comment', 'origin/main');
    for (const [path, content] of Object.entries(files)) writeFileSync(join(repo.work, path), content);
    repo.git(repo.work, 'add', '-A');
    repo.git(repo.work, 'commit', '-qm', '400 junk manifests');
    repo.git(repo.work, 'push', '-q', '-f', 'origin', 'huge-comment:huge-comment');
    repo.git(repo.work, 'checkout', '-q', 'main');
    const pr = await gw.gh.openPullRequest({ repo: GH_REPO, head: 'huge-comment', title: 'junk' });
    await gw.w.co.prWatcher!.onEvent({ action: 'opened', number: pr.number, merged: false });
    await gw.w.co.prWatcher!.idle();
    const [comment] = gw.gh.comments(GH_REPO, pr.number);
    report('bad input: oversized plan comment', { manifests: 400, commentChars: comment?.body.length ?? 0 });
    expect(comment?.body.length ?? Infinity).toBeLessThanOrEqual(65_536);
    expect(comment!.body).toMatch(/more lines left out/);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 14, items 7 and 8: symlinks and oversized manifests pushed to a running daemon.
// A symlink in Git pointing at a secret on the daemon's host, a submodule, and an 8.4 MB
// manifest: each makes its cluster invalid (never deleted), /healthz keeps answering, and no
// answer holds the secret. The readers refuse them from the tree listing, before any read.
// ---------------------------------------------------------------------------------------------
describe('bad input: symlinks and huge manifests pushed to Git', () => {
  const SECRET = 'ghp_HostSecretNeverServed0123456789';
  const RESTORE = manifest('keep', { id: 'cluster_keep', groups: group('manager', 'nano', 1) });
  let w: ApiWorld;
  let secretFile = '';

  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/keep.yaml': RESTORE }, config: { statusCommits: false, credentials: {} } });
    await waitFor('keep known', () => w.co.daemon.desired().get('cluster_keep')?.kind === 'valid');
    secretFile = join(w.dataDir, 'host-secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Replaces keep.yaml by what `make` puts in the human clone, pushes it and lets the daemon poll. */
  const pushAs = async (make: (path: string) => void, message: string) => {
    const path = join(w.repo.work, 'clusters', 'keep.yaml');
    rmSync(path, { force: true });
    make(path);
    for (const args of [['add', '-A'], ['commit', '-q', '-m', message], ['push', '-q', 'origin', 'HEAD:main']]) w.repo.git(w.repo.work, ...args);
    await w.co.daemon.pollNow();
  };
  const expectHeldInvalid = async (reason: string) => {
    await waitFor(`keep invalid: ${reason}`, () => w.co.daemon.desired().get('cluster_keep')?.kind === 'invalid');
    const entry = w.co.daemon.desired().get('cluster_keep');
    expect(entry && 'message' in entry ? entry.message : '').toContain(reason);
    const replies = await Promise.all([call(w.co.url, 'GET', '/healthz'), call(w.co.url, 'GET', '/ui/api/clusters/cluster_keep', { token: w.tokens.alice }), call(w.co.url, 'GET', '/api/cluster.all?organizationId=org_abc123', { token: w.tokens.alice })]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of replies) expect(r.text).not.toContain(SECRET);
    expect(w.co.store.cluster('cluster_keep')).toBeDefined();
  };

  it('a symlink to a secret on the host, then to /proc/self/environ: invalid, never read, nothing served', async () => {
    for (const target of [secretFile, '/proc/self/environ']) {
      await pushAs((p) => symlinkSync(target, p), `keep is a symlink to ${target}`);
      await expectHeldInvalid('is a symbolic link; clusters/ holds only regular files');
    }
  });

  it('an 8.4 MB manifest keeping its id: invalid, refused by size, the daemon keeps answering', async () => {
    await pushAs((p) => writeFileSync(p, `${RESTORE}# ${'x'.repeat(8_400_000)}\n`), 'keep grows to 8.4 MB');
    await expectHeldInvalid('manifest is 8.4 MB; the limit is 256 KiB');
  });

  it('back to the regular file: valid again', async () => {
    await pushAs((p) => writeFileSync(p, RESTORE), 'keep restored');
    await waitFor('keep valid again', () => w.co.daemon.desired().get('cluster_keep')?.kind === 'valid');
    report('bad input: symlinks and huge manifests', { symlinkTargets: 2, hugeManifests: 1, deleted: w.co.store.cluster('cluster_keep') ? 0 : 1 });
  });
});

/**
 * Malformed percent-encoding (issue 14 item 11), a block of its own: random paths and query
 * strings with escapes that do not decode (`%`, `%zz`, truncated or overlong UTF-8, encoded
 * surrogates) on every route family — the Clusters API, the dashboard's data and pages, the Git
 * hook, the probes, /metrics, unknown routes — answer 400 in the error envelope, never 500, and
 * commit nothing.
 */
describe('bad input: malformed percent-encoding on every route', () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await startApiWorld({ files: { 'clusters/fuzz1.yaml': FUZZ1 }, config: { statusCommits: false, credentials: {} } });
    await waitFor('the daemon has fuzz1', () => w.co.daemon.desired().get('cluster_fuzz1') !== undefined);
  });
  afterAll(async () => {
    await w?.close();
  });

  const ROUTES: [string, string][] = [
    ['GET', '/api/cluster.one'],
    ['GET', '/api/cluster.all'],
    ['POST', '/api/cluster.addNode'],
    ['DELETE', '/api/cluster.remove'],
    ['GET', '/api/openapi.json'],
    ['GET', '/ui/api/clusters'],
    ['GET', '/ui/api/clusters/'],
    ['GET', '/ui/api/pulls'],
    ['GET', '/clusters/'],
    ['GET', '/assets/'],
    ['POST', '/hooks/git'],
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/metrics'],
    ['GET', '/nowhere/'],
  ];
  const BAD = ['%', '%z', '%zz', '%E0%A4%A', '%C3', '%FF', '%C0%AF', '%ED%A0%80', '%%', '%2'];
  const safe = fc.stringMatching(/^[a-z0-9_.-]{0,12}$/);

  it('answers 400 in the envelope, never 5xx, and commits nothing', async () => {
    const before = remoteHeadOf(w);
    const problems: string[] = [];
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.constantFrom(...BAD), safe, safe, fc.constantFrom('path', 'key', 'value'), async ([method, route], bad, a, b, where) => {
        // `_` after the bad escape: a hex digit there could complete it (`%2` + `7` is `%27`).
        const tail = `${bad}_${b}`;
        const target = where === 'path' ? `${route}${a}${tail}` : where === 'key' ? `${route}?${a}${tail}=1` : `${route}?clusterId=${a}${tail}`;
        const body = method === 'GET' ? '' : '{"clusterId":"cluster_fuzz1","role":"worker","plan":"nano"}';
        const reply = await rawRequest(w.co.url, [`${method} ${target} HTTP/1.1`, `Authorization: Bearer ${w.tokens.alice}`, ...(body ? ['Content-Type: application/json'] : [])], body);
        cases += 1;
        const type = /content-type:\s*([^\r\n]+)/i.exec(reply.headers)?.[1] ?? null;
        const problem = reply.status !== 400 ? `status ${reply.status}` : envelopeProblem(reply.status, type, reply.json);
        if (problem) problems.push(`${method} ${target}: ${problem} ${reply.body.slice(0, 120)}`);
      }),
      { numRuns: Math.max(150, Math.round(SIZES.fuzzCases / 20)), seed: SEED },
    );
    report('bad input: malformed percent-encoding', { cases, problems: problems.length, ...(problems.length ? { details: problems.slice(0, 20) } : {}) });
    expect(problems).toEqual([]);
    expect(remoteHeadOf(w)).toBe(before);
    expect((await call(w.co.url, 'GET', '/healthz')).status).toBe(200);
  });
});

function remoteHeadOf(world: ApiWorld): string {
  return head(world.repo);
}
