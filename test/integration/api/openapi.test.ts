import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApiWorld, type ApiWorld } from './api-harness.js';

/** `GET /api/openapi.json`: an OpenAPI 3.1 document of exactly the seed's eleven procedures and the additions. */

const SEED: Record<string, { method: string; success: string }> = {
  'cluster.all': { method: 'get', success: '200' },
  'cluster.one': { method: 'get', success: '200' },
  'cluster.create': { method: 'post', success: '201' },
  'cluster.update': { method: 'patch', success: '200' },
  'cluster.remove': { method: 'delete', success: '204' },
  'cluster.nodes': { method: 'get', success: '200' },
  'cluster.addNode': { method: 'post', success: '200' },
  'cluster.removeNode': { method: 'delete', success: '200' },
  'cluster.grantAccess': { method: 'post', success: '200' },
  'cluster.listAccess': { method: 'get', success: '200' },
  'cluster.revokeAccess': { method: 'delete', success: '204' },
  // Addition: the mass-deletion guard's confirmation (docs/api.md).
  'cluster.confirmDeletion': { method: 'post', success: '200' },
  // An addition to the seed: moving a cluster between organizations (docs/api.md).
  'cluster.transfer': { method: 'post', success: '200' },
};

type Json = Record<string, any>;

describe('the OpenAPI document', () => {
  let w: ApiWorld;
  let doc: Json;

  beforeAll(async () => {
    w = await startApiWorld({ config: { statusCommits: false } });
    const res = await call(w.co.url, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.json as Json;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('is OpenAPI 3.1, served without a token', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('has exactly the seed’s eleven paths and the additions, each with only its method, its success status and the error statuses', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(SEED).map((p) => `/api/${p}`).sort());
    for (const [name, { method, success }] of Object.entries(SEED)) {
      const item = doc.paths[`/api/${name}`] as Json;
      expect([name, Object.keys(item)]).toEqual([name, [method]]);
      const op = item[method] as Json;
      expect(op.operationId).toBe(name);
      expect(op.security).toEqual([{ bearer: [] }]);
      const codes = Object.keys(op.responses);
      expect(codes).toContain(success);
      for (const code of ['400', '401', '403', '404', '405', '409', '413', '415', '422', '500']) expect(codes, `${name} ${code}`).toContain(code);
      if (success === '204') expect(op.responses['204'].content).toBeUndefined();
      else expect(op.responses[success].content['application/json'].schema.properties.result.properties.data).toBeDefined();
    }
  });

  it('reads take query parameters, writes a JSON body with the seed’s required fields', () => {
    const one = doc.paths['/api/cluster.one'].get as Json;
    expect(one.parameters).toEqual([expect.objectContaining({ name: 'clusterId', in: 'query', required: true })]);
    const all = doc.paths['/api/cluster.all'].get as Json;
    expect(all.parameters).toEqual([expect.objectContaining({ name: 'organizationId', in: 'query', required: false })]);
    const create = doc.paths['/api/cluster.create'].post as Json;
    expect(create.parameters).toBeUndefined();
    const ref = create.requestBody.content['application/json'].schema.$ref as string;
    const schema = resolve(doc, ref);
    expect([...schema.required].sort()).toEqual(['name', 'nodes', 'orchestrator', 'organizationId', 'provider', 'region']);
    const group = resolve(doc, schema.properties.nodes.items.$ref);
    expect([...group.required].sort()).toEqual(['count', 'plan', 'role']);
    const removeNode = resolve(doc, doc.paths['/api/cluster.removeNode'].delete.requestBody.content['application/json'].schema.$ref);
    expect([...removeNode.required].sort()).toEqual(['clusterId', 'nodeId']);
  });

  it('describes the seed’s response shapes, and every $ref in it resolves', () => {
    const cluster = doc.components.schemas.Cluster as Json;
    expect(Object.keys(cluster.properties)).toEqual(['id', 'name', 'provider', 'region', 'orchestrator', 'status', 'nodeCount', 'createdAt']);
    expect(cluster.properties.status.enum).toEqual(['provisioning', 'running', 'degraded', 'updating', 'deleting', 'error']);
    expect(Object.keys(doc.components.schemas.Node.properties)).toEqual(['id', 'role', 'plan', 'ip', 'status', 'orchestratorStatus']);
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? refs.push(x) : walk(x);
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    const broken = refs.filter((r) => {
      try {
        return resolve(doc, r) === undefined;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
  });
});

function resolve(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`external ref ${ref}`);
  let node: any = doc;
  for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node as Json;
}
