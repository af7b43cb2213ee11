import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, commits, converged, curl, group, head, manifest, startApiWorld, type ApiWorld, type CallOptions, type Reply } from './api-harness.js';

/**
 * Every error the API answers, each over real HTTP, each checked for its envelope and for
 * leaving the repository exactly as it was.
 */

const PRODUCTION = manifest('production', { id: 'cluster_abc123', groups: [group('manager', 'medium', 1), group('worker', 'small', 1)].join('\n') });
const SWARMY = manifest('swarmy', { id: 'cluster_swarm', provider: 'hetzner', region: 'nbg1', orchestrator: 'swarm', groups: group('manager', 'small', 1) });
// A member with only a read grant on production.
const WITH_READ_GRANT = `${PRODUCTION}access:\n  - userId: user_bob\n    permission: read\n`;

const VALID_CREATE = {
  organizationId: 'org_abc123',
  name: 'fresh',
  provider: 'digitalocean',
  region: 'sfo3',
  orchestrator: 'kubernetes',
  nodes: [
    { role: 'manager', plan: 'medium', count: 1 },
    { role: 'worker', plan: 'small', count: 2 },
  ],
};

describe('API errors: status, envelope, and nothing committed', () => {
  let w: ApiWorld;
  const api = (method: string, procedure: string, o: CallOptions = {}) => call(w.co.url, method, `/api/${procedure}`, { token: w.tokens.alice, ...o });

  beforeAll(async () => {
    // Status commits off: the remote's log must only move when the API writes.
    w = await startApiWorld({ files: { 'clusters/production.yaml': WITH_READ_GRANT, 'clusters/swarmy.yaml': SWARMY }, config: { statusCommits: false } });
    await Promise.all([converged(w.co, 'cluster_abc123', 2), converged(w.co, 'cluster_swarm', 1)]);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Runs a failing request and checks the remote's history (and files) did not move. */
  async function refused(request: () => Promise<Reply>): Promise<Reply> {
    const log = commits(w.repo);
    const files = { production: w.repo.show('clusters/production.yaml'), swarmy: w.repo.show('clusters/swarmy.yaml') };
    const res = await request();
    expect(commits(w.repo)).toEqual(log);
    expect({ production: w.repo.show('clusters/production.yaml'), swarmy: w.repo.show('clusters/swarmy.yaml') }).toEqual(files);
    expect(w.repo.show('clusters/fresh.yaml')).toBeUndefined();
    return res;
  }

  function envelope(res: Reply, status: number, code: string, extra: { path?: string; message?: RegExp } = {}): void {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.json)).toEqual(['error']);
    expect(res.json.error).toMatchObject({ code, httpStatus: status, message: expect.any(String) });
    if (extra.message) expect(res.json.error.message).toMatch(extra.message);
    if ('path' in extra) expect(res.json.error.path).toBe(extra.path);
    else expect(res.json.error).not.toHaveProperty('path');
  }

  describe('400 Bad Request', () => {
    it('a missing required field names it in error.path', async () => {
      const { name: _omit, ...noName } = VALID_CREATE;
      const res = await refused(() => api('POST', 'cluster.create', { body: noName }));
      envelope(res, 400, 'BAD_REQUEST', { path: 'name', message: /^name is required$/ });
      const one = await api('GET', 'cluster.one');
      envelope(one, 400, 'BAD_REQUEST', { path: 'clusterId', message: /clusterId is required/ });
    });

    it('a malformed field gives its full path (nodes[1].count, nodes[0].role, clusterId, region)', async () => {
      const badCount = { ...VALID_CREATE, nodes: [VALID_CREATE.nodes[0], { role: 'worker', plan: 'small', count: -1 }] };
      envelope(await refused(() => api('POST', 'cluster.create', { body: badCount })), 400, 'BAD_REQUEST', { path: 'nodes[1].count' });
      const notInt = { ...VALID_CREATE, nodes: [VALID_CREATE.nodes[0], { role: 'worker', plan: 'small', count: 'two' }] };
      envelope(await refused(() => api('POST', 'cluster.create', { body: notInt })), 400, 'BAD_REQUEST', { path: 'nodes[1].count', message: /"two"/ });
      const badRole = { ...VALID_CREATE, nodes: [{ role: 'boss', plan: 'medium', count: 1 }] };
      envelope(await refused(() => api('POST', 'cluster.create', { body: badRole })), 400, 'BAD_REQUEST', { path: 'nodes[0].role', message: /manager, worker/ });
      envelope(await refused(() => api('POST', 'cluster.create', { body: { ...VALID_CREATE, name: 'Not A DNS Label' } })), 400, 'BAD_REQUEST', { path: 'name' });
      // A region the provider does not have: caught by the manifest rules, still a bad value.
      envelope(await refused(() => api('POST', 'cluster.create', { body: { ...VALID_CREATE, region: 'nbg1' } })), 400, 'BAD_REQUEST', { path: 'region' });
      envelope(await api('GET', 'cluster.one', { query: { clusterId: 'abc123' } }), 400, 'BAD_REQUEST', { path: 'clusterId' });
      envelope(await refused(() => api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_abc123', nodeId: 'vm-2' } })), 400, 'BAD_REQUEST', { path: 'nodeId' });
      envelope(await refused(() => api('PATCH', 'cluster.update', { body: { clusterId: 'cluster_abc123', nodes: [{ role: 'manager', plan: 'medium', count: 1 }, { role: 'manager', plan: 'medium', count: 3 }] } })), 400, 'BAD_REQUEST', { path: 'nodes' });
    });

    it('malformed JSON, and JSON that is not an object, are refused', async () => {
      envelope(await refused(() => api('POST', 'cluster.create', { raw: '{"organizationId": "org_abc123", "name": ', headers: { 'content-type': 'application/json' } })), 400, 'BAD_REQUEST', { message: /not valid JSON/ });
      envelope(await refused(() => api('POST', 'cluster.create', { raw: '[1,2]', headers: { 'content-type': 'application/json' } })), 400, 'BAD_REQUEST', { message: /JSON object/ });
      envelope(await refused(() => api('POST', 'cluster.create', { raw: '', headers: { 'content-type': 'application/json' } })), 400, 'BAD_REQUEST');
    });

    it('an unknown field (body, nested, or query) is refused with its path', async () => {
      const res = await refused(() => api('POST', 'cluster.create', { body: { ...VALID_CREATE, colour: 'blue' } }));
      envelope(res, 400, 'BAD_REQUEST', { path: 'colour', message: /unknown field "colour"/ });
      const nested = { ...VALID_CREATE, nodes: [{ role: 'manager', plan: 'medium', count: 1, size: 's-2vcpu' }] };
      envelope(await refused(() => api('POST', 'cluster.create', { body: nested })), 400, 'BAD_REQUEST', { path: 'nodes[0].size' });
      envelope(await refused(() => api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_abc123', role: 'worker', plan: 'small', count: 3 } })), 400, 'BAD_REQUEST', { path: 'count', message: /unknown field "count"/ });
      envelope(await api('GET', 'cluster.one', { query: { clusterId: 'cluster_abc123', verbose: '1' } }), 400, 'BAD_REQUEST', { path: 'verbose' });
      const twice = await call(w.co.url, 'GET', '/api/cluster.one?clusterId=cluster_abc123&clusterId=cluster_swarm', { token: w.tokens.alice });
      envelope(twice, 400, 'BAD_REQUEST', { path: 'clusterId', message: /more than once/ });
    });
  });

  describe('401 Unauthorized', () => {
    it('no token, a malformed header, or an unknown token: 401 with WWW-Authenticate, nothing committed', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer not-a-real-token-0123456789' }];
      for (const headers of attempts) {
        const res = await refused(() => call(w.co.url, 'POST', '/api/cluster.create', { body: VALID_CREATE, headers }));
        envelope(res, 401, 'UNAUTHORIZED');
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="clusterops"');
      }
      envelope(await call(w.co.url, 'GET', '/api/cluster.all'), 401, 'UNAUTHORIZED', { message: /Authorization: Bearer/ });
      // Authentication comes before validation: a stranger learns nothing about the parameters.
      envelope(await call(w.co.url, 'GET', '/api/cluster.one', { query: { clusterId: 'nonsense' } }), 401, 'UNAUTHORIZED');
    });

    it('a repeated Authorization header is refused (400) whatever the order, even when one of them is valid', async () => {
      const good = `Authorization: Bearer ${w.tokens.alice}`;
      for (const pair of [[good, 'Authorization: Bearer tok_garbage'], ['Authorization: Bearer tok_garbage', good], [good, good]]) {
        const res = await curl([`${w.co.url}/api/cluster.one?clusterId=cluster_abc123`, '-H', pair[0]!, '-H', pair[1]!]);
        expect([res.status, res.json?.error?.code, res.json?.error?.message]).toEqual([400, 'BAD_REQUEST', 'Authorization is given more than once']);
      }
    });

    it('a revoked token stops working at once', async () => {
      const accounts = w.co.accounts;
      const t = await accounts.createToken('user_alice', 'short-lived');
      expect((await call(w.co.url, 'GET', '/api/cluster.all', { token: t.token })).status).toBe(200);
      await accounts.revokeToken(t.id);
      const res = await refused(() => call(w.co.url, 'POST', '/api/cluster.addNode', { token: t.token, body: { clusterId: 'cluster_abc123', role: 'worker', plan: 'small' } }));
      envelope(res, 401, 'UNAUTHORIZED', { message: /not valid/ });
      envelope(await call(w.co.url, 'GET', '/api/cluster.all', { token: t.token }), 401, 'UNAUTHORIZED');
    });
  });

  describe('403 Forbidden', () => {
    it('a member with only a read grant can read but every write is refused', async () => {
      const bob = { token: w.tokens.bob };
      expect((await api('GET', 'cluster.one', { ...bob, query: { clusterId: 'cluster_abc123' } })).status).toBe(200);
      const writes: [string, string, unknown][] = [
        ['PATCH', 'cluster.update', { clusterId: 'cluster_abc123', name: 'bobs-cluster' }],
        ['POST', 'cluster.addNode', { clusterId: 'cluster_abc123', role: 'worker', plan: 'small' }],
        ['DELETE', 'cluster.removeNode', { clusterId: 'cluster_abc123', nodeId: 'node_002' }],
        ['DELETE', 'cluster.remove', { clusterId: 'cluster_abc123' }],
        ['POST', 'cluster.grantAccess', { clusterId: 'cluster_abc123', userId: 'user_bob', permission: 'manage' }],
        ['DELETE', 'cluster.revokeAccess', { clusterId: 'cluster_abc123', userId: 'user_bob' }],
      ];
      for (const [method, procedure, body] of writes) {
        const res = await refused(() => api(method, procedure, { ...bob, body }));
        envelope(res, 403, 'FORBIDDEN', { message: /manage/ });
      }
    });
  });

  describe('404 Not Found', () => {
    it('an unknown procedure, and a path outside the API', async () => {
      envelope(await refused(() => api('POST', 'cluster.destroy', { body: { clusterId: 'cluster_abc123' } })), 404, 'NOT_FOUND', { message: /unknown procedure cluster\.destroy/ });
      envelope(await api('GET', 'clusters.all'), 404, 'NOT_FOUND');
      // Names an object has by inheritance are not procedures either.
      for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) envelope(await api('GET', name), 404, 'NOT_FOUND', { message: new RegExp(`unknown procedure ${name}`) });
      envelope(await call(w.co.url, 'GET', '/v1/clusters'), 404, 'NOT_FOUND');
    });

    it('an unknown cluster, for reads and writes alike', async () => {
      const q = { query: { clusterId: 'cluster_nope' } };
      for (const p of ['cluster.one', 'cluster.nodes', 'cluster.listAccess']) envelope(await api('GET', p, q), 404, 'NOT_FOUND', { message: /^cluster not found$/ });
      envelope(await refused(() => api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_nope', role: 'worker', plan: 'small' } })), 404, 'NOT_FOUND');
      envelope(await refused(() => api('DELETE', 'cluster.remove', { body: { clusterId: 'cluster_nope' } })), 404, 'NOT_FOUND');
    });

    it('an unknown node, an unknown grant, an organization one is not in', async () => {
      envelope(await refused(() => api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_abc123', nodeId: 'node_999' } })), 404, 'NOT_FOUND', { message: /^node not found$/ });
      envelope(await refused(() => api('DELETE', 'cluster.revokeAccess', { body: { clusterId: 'cluster_abc123', userId: 'user_carol' } })), 404, 'NOT_FOUND', { message: /grant/ });
      envelope(await refused(() => api('POST', 'cluster.grantAccess', { body: { clusterId: 'cluster_abc123', userId: 'user_nobody', permission: 'read' } })), 404, 'NOT_FOUND', { path: 'userId' });
      envelope(await refused(() => api('POST', 'cluster.create', { body: { ...VALID_CREATE, organizationId: 'org_other' } })), 404, 'NOT_FOUND', { path: 'organizationId' });
      envelope(await api('GET', 'cluster.all', { query: { organizationId: 'org_other' } }), 404, 'NOT_FOUND');
    });

    it("another organization's cluster", async () => {
      const eve = { token: w.tokens.eve };
      envelope(await api('GET', 'cluster.one', { ...eve, query: { clusterId: 'cluster_abc123' } }), 404, 'NOT_FOUND', { message: /^cluster not found$/ });
      envelope(await refused(() => api('DELETE', 'cluster.remove', { ...eve, body: { clusterId: 'cluster_abc123' } })), 404, 'NOT_FOUND');
    });
  });

  describe('405 Method Not Allowed', () => {
    const methods: Record<string, string> = {
      'cluster.all': 'GET',
      'cluster.one': 'GET',
      'cluster.create': 'POST',
      'cluster.update': 'PATCH',
      'cluster.remove': 'DELETE',
      'cluster.nodes': 'GET',
      'cluster.addNode': 'POST',
      'cluster.removeNode': 'DELETE',
      'cluster.grantAccess': 'POST',
      'cluster.listAccess': 'GET',
      'cluster.revokeAccess': 'DELETE',
      'cluster.confirmDeletion': 'POST',
    };
    it('a wrong method on each procedure answers 405 with the right Allow header', async () => {
      for (const [procedure, method] of Object.entries(methods)) {
        const wrong = method === 'GET' ? 'POST' : method === 'POST' ? 'PUT' : 'GET';
        const res = await refused(() => api(wrong, procedure, wrong === 'GET' ? { query: { clusterId: 'cluster_abc123' } } : { body: { clusterId: 'cluster_abc123' } }));
        envelope(res, 405, 'METHOD_NOT_SUPPORTED');
        expect(res.headers.get('allow'), procedure).toBe(method);
      }
      // The seed's DELETE procedures are not reachable through POST either.
      const res = await refused(() => api('POST', 'cluster.remove', { body: { clusterId: 'cluster_abc123' } }));
      expect([res.status, res.headers.get('allow')]).toEqual([405, 'DELETE']);
    });
  });

  describe('409 Conflict', () => {
    it('creating a cluster with a name that exists, or renaming onto one', async () => {
      envelope(await refused(() => api('POST', 'cluster.create', { body: { ...VALID_CREATE, name: 'production' } })), 409, 'CONFLICT', { path: 'name', message: /production already exists/ });
      envelope(await refused(() => api('PATCH', 'cluster.update', { body: { clusterId: 'cluster_abc123', name: 'swarmy' } })), 409, 'CONFLICT', { path: 'name' });
    });

    it('a branch that moves under every attempt: 409 (retry later), not a server error, and nothing of the API committed', async () => {
      // Another writer wins every race: the remote's hook moves main, then rejects the push.
      const hook = join(w.repo.remote, 'hooks', 'pre-receive');
      writeFileSync(
        hook,
        [
          '#!/bin/sh',
          'cat >/dev/null',
          'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
          'export GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=other@example.com GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=other@example.com',
          'c=$(git commit-tree -p refs/heads/main -m "another writer got there first" refs/heads/main^{tree}) || exit 1',
          'git update-ref refs/heads/main "$c" || exit 1',
          'exit 1',
          '',
        ].join('\n'),
      );
      chmodSync(hook, 0o755);
      const before = commits(w.repo);
      const file = w.repo.show('clusters/production.yaml');
      let res: Reply;
      try {
        res = await api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_abc123', role: 'worker', plan: 'small' } });
      } finally {
        rmSync(hook, { force: true });
      }
      const after = commits(w.repo);
      const added = after.slice(0, after.length - before.length);
      expect(after.slice(added.length)).toEqual(before);
      // The other writer won (at least) five times; the API user committed nothing.
      expect(added.length).toBeGreaterThanOrEqual(5);
      expect(added.every((c) => c.author === 'Other')).toBe(true);
      expect(w.repo.show('clusters/production.yaml')).toBe(file);
      envelope(res, 409, 'CONFLICT', { message: /try again/ });
    });
  });

  describe('413 Payload Too Large', () => {
    it('a body over 1 MiB is refused (declared length and chunked alike)', async () => {
      const big = JSON.stringify({ ...VALID_CREATE, name: 'x'.repeat(1024 * 1024 + 10) });
      const res = await refused(() => api('POST', 'cluster.create', { raw: big, headers: { 'content-type': 'application/json' } }));
      envelope(res, 413, 'PAYLOAD_TOO_LARGE', { message: /1048576 bytes/ });
      // No Content-Length: the limit is enforced while reading.
      const chunks = [Buffer.from(big.slice(0, 600_000)), Buffer.from(big.slice(600_000))];
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const chunked = await refused(async () => {
        const r = await fetch(`${w.co.url}/api/cluster.create`, { method: 'POST', headers: { authorization: `Bearer ${w.tokens.alice}`, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
        const text = await r.text();
        return { status: r.status, headers: r.headers, text, json: JSON.parse(text) };
      });
      envelope(chunked, 413, 'PAYLOAD_TOO_LARGE');
      // Exactly 1 MiB is still read, and then judged on its content (here: a name that exists).
      const limit = JSON.stringify({ ...VALID_CREATE, name: 'production' });
      const padded = limit.slice(0, -1) + ' '.repeat(1024 * 1024 - Buffer.byteLength(limit)) + '}';
      expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
      const atLimit = await refused(() => api('POST', 'cluster.create', { raw: padded, headers: { 'content-type': 'application/json' } }));
      envelope(atLimit, 409, 'CONFLICT', { path: 'name' });
    });
  });

  describe('415 Unsupported Media Type', () => {
    it('a write whose body is not declared as JSON', async () => {
      const body = JSON.stringify(VALID_CREATE);
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        envelope(await refused(() => api('POST', 'cluster.create', { raw: body, headers: { 'content-type': type } })), 415, 'UNSUPPORTED_MEDIA_TYPE', { message: /application\/json/ });
      }
      envelope(await refused(() => api('POST', 'cluster.create', { raw: body })), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('422 Unprocessable Content', () => {
    it('removing the last manager', async () => {
      const res = await refused(() => api('DELETE', 'cluster.removeNode', { body: { clusterId: 'cluster_abc123', nodeId: 'node_001' } }));
      envelope(res, 422, 'UNPROCESSABLE_CONTENT', { path: 'nodes[0].count', message: /at least one manager/ });
    });

    it('addNode of a manager that would give swarm an even manager count', async () => {
      const res = await refused(() => api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_swarm', role: 'manager', plan: 'small' } }));
      envelope(res, 422, 'UNPROCESSABLE_CONTENT', { path: 'nodes[0].count', message: /odd number of managers/ });
    });

    it('update that changes provider, region or orchestrator (each named in error.path)', async () => {
      for (const [field, value] of [['provider', 'hetzner'], ['region', 'nyc3'], ['orchestrator', 'swarm']] as const) {
        const res = await refused(() => api('PATCH', 'cluster.update', { body: { clusterId: 'cluster_abc123', [field]: value } }));
        envelope(res, 422, 'UNPROCESSABLE_CONTENT', { path: field, message: /cannot change/ });
      }
      // Repeating the current value is not a change.
      const same = await api('PATCH', 'cluster.update', { body: { clusterId: 'cluster_abc123', provider: 'digitalocean', region: 'sfo3' } });
      expect(same.status).toBe(200);
    });
  });

  describe('500 Internal Server Error', () => {
    it('a push the remote rejects: 500 with a request id, no internals, nothing committed', async () => {
      const hook = join(w.repo.remote, 'hooks', 'pre-receive');
      writeFileSync(hook, '#!/bin/sh\necho "remote: SECRET-HOOK-DETAIL at /srv/git/internal" >&2\nexit 1\n');
      chmodSync(hook, 0o755);
      try {
        const before = head(w.repo);
        const res = await refused(() => api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_abc123', role: 'worker', plan: 'small' } }));
        expect(head(w.repo)).toBe(before);
        expect(res.status).toBe(500);
        const requestId = res.headers.get('x-request-id');
        expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.json).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: `internal error (request ${requestId})`, httpStatus: 500, requestId } });
        expect(res.text).not.toMatch(/SECRET|pre-receive|hook|\/srv|\/tmp|remote\.git|at .*\.ts|Error:/);
      } finally {
        rmSync(hook, { force: true });
      }
      // The remote accepts again and the API works again.
      const ok = await api('POST', 'cluster.addNode', { body: { clusterId: 'cluster_abc123', role: 'worker', plan: 'small' } });
      expect(ok.status).toBe(200);
      expect(parse(w.repo.show('clusters/production.yaml')!).nodes[1]).toEqual({ role: 'worker', plan: 'small', count: 2 });
    });
  });
});
