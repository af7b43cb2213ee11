import apiSchema from '../../schemas/api.schema.json' with { type: 'json' };
import clusterSchema from '../../schemas/cluster.schema.json' with { type: 'json' };
import { PROCEDURES } from './clusters/procedures.js';
import { ERROR_CODES } from './errors.js';

type Json = Record<string, unknown>;

/** Rewrites the JSON Schemas' refs so they point into `components.schemas`. */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^cluster\.schema\.json#\/definitions\//, '#/components/schemas/').replace(/^cluster\.schema\.json#/, '#/components/schemas/Manifest').replace(/^#\/definitions\//, '#/components/schemas/');
    else if (k !== 'errorMessage' && k !== '$schema' && k !== '$id') out[k] = relink(v);
  }
  return out;
}

const NODE = { type: 'object', required: ['id', 'role', 'plan', 'ip', 'status'], properties: { id: { type: 'string' }, role: { enum: ['manager', 'worker'] }, plan: { type: 'string' }, ip: { type: ['string', 'null'] }, status: { enum: ['provisioning', 'running', 'draining', 'deleting', 'unhealthy', 'error'] }, orchestratorStatus: { enum: ['ready', 'not-ready', 'draining', 'not-joined'] } } };
const CLUSTER = {
  type: 'object',
  required: ['id', 'name', 'provider', 'region', 'orchestrator', 'status', 'nodeCount', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    provider: { enum: ['digitalocean', 'hetzner', 'aws'] },
    region: { type: 'string' },
    orchestrator: { enum: ['kubernetes', 'swarm'] },
    status: { enum: ['provisioning', 'running', 'degraded', 'updating', 'deleting', 'error'] },
    nodeCount: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};
const RESULTS: Record<string, unknown> = {
  'cluster.all': { type: 'array', items: { $ref: '#/components/schemas/Cluster' } },
  'cluster.one': { allOf: [{ $ref: '#/components/schemas/ClusterDetail' }, { type: 'object', required: ['events'], properties: { events: { type: 'array', maxItems: 100, description: 'What happened to this cluster, oldest first (at most the last 100 events).', items: { $ref: '#/components/schemas/Event' } } } }] },
  'cluster.create': { $ref: '#/components/schemas/Cluster' },
  'cluster.update': { $ref: '#/components/schemas/Cluster' },
  'cluster.nodes': { type: 'array', items: { $ref: '#/components/schemas/Node' } },
  'cluster.addNode': { $ref: '#/components/schemas/ClusterDetail' },
  'cluster.removeNode': { $ref: '#/components/schemas/ClusterDetail' },
  'cluster.grantAccess': { type: 'object', properties: { clusterId: { type: 'string' }, userId: { type: 'string' }, permission: { enum: ['read', 'manage'] } } },
  'cluster.listAccess': { type: 'array', items: { $ref: '#/components/schemas/grant' } },
  'cluster.confirmDeletion': { $ref: '#/components/schemas/Cluster', description: 'The cluster, now `deleting`.' },
  'cluster.transfer': { type: 'object', properties: { clusterId: { type: 'string' }, organizationId: { type: 'string' } } },
};

/** The OpenAPI 3.1 document of the procedures, generated from the same schemas that validate them. */
export function openApiDocument(): Json {
  const definitions = (apiSchema as { definitions: Json }).definitions;
  const paths: Json = {};
  for (const [name, p] of Object.entries(PROCEDURES)) {
    const input = resolveInput(definitions, name);
    const responses: Json = { [p.success]: p.success === 204 ? { description: 'Done; no body' } : { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { result: { type: 'object', properties: { data: RESULTS[name] } } } } } } } };
    for (const [code, status] of Object.entries(ERROR_CODES)) responses[status] ??= { description: code, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const op: Json = { operationId: name, summary: p.summary, security: [{ bearer: [] }], responses };
    if (p.method === 'GET') op.parameters = Object.keys((input.properties as Json) ?? {}).map((k) => ({ name: k, in: 'query', required: ((input.required as string[]) ?? []).includes(k), schema: relink((input.properties as Json)[k]) }));
    else op.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    paths[`/api/${name}`] = { [p.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'clusterops Clusters API', version: '1.0.0', description: 'Manage Kubernetes and Docker Swarm clusters; every write is a commit to the manifests in Git.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...(relink(definitions) as Json),
        ...(relink((clusterSchema as { definitions: Json }).definitions) as Json),
        Manifest: relink({ ...clusterSchema, definitions: undefined }),
        Cluster: CLUSTER,
        ClusterDetail: { allOf: [{ $ref: '#/components/schemas/Cluster' }, { type: 'object', required: ['nodes'], properties: { nodes: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } }] },
        Node: NODE,
        Event: { type: 'object', required: ['at', 'type', 'message'], properties: { at: { type: 'string', format: 'date-time' }, type: { enum: ['created', 'joined', 'drained', 'deleted', 'initialized', 'error', 'info'] }, nodeId: { type: 'string' }, message: { type: 'string' } } },
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message', 'httpStatus'], properties: { code: { enum: Object.keys(ERROR_CODES) }, message: { type: 'string' }, httpStatus: { type: 'integer' }, path: { type: 'string' }, requestId: { type: 'string' } } } } },
      },
    },
  };
}

function resolveInput(definitions: Json, name: string): Json {
  let schema = definitions[name] as Json;
  while (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/definitions/')) schema = definitions[schema.$ref.slice('#/definitions/'.length)] as Json;
  return schema;
}
