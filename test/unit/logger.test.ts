import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../src/logger.js';

const PROVIDER_TOKEN = 'dop_v1_0123456789abcdef0123456789abcdef';
const BEARER = `cot_abcdefghijkl_${'Q'.repeat(43)}`;

function capture(format: LoggerOptions['format'], level: LoggerOptions['level'] = 'debug') {
  const lines: string[] = [];
  const log = createLogger({ format, level, colorize: false, secrets: () => [PROVIDER_TOKEN], write: (l) => lines.push(l) });
  return { log, lines };
}

describe('logger (pino)', () => {
  it('writes one JSON object per line with level, time, message and the bound fields', () => {
    const { log, lines } = capture('json');
    log.child({ cluster: 'web', clusterId: 'cluster_web', revision: 'abc123' }).info({ nodeId: 'node_001' }, 'created node_001');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), cluster: 'web', clusterId: 'cluster_web', revision: 'abc123', nodeId: 'node_001', msg: 'created node_001' });
  });

  it('honours the level', () => {
    const { log, lines } = capture('json', 'warn');
    log.debug({}, 'd');
    log.info({}, 'i');
    log.warn({}, 'w');
    log.error({}, 'e');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['w', 'e']);
    const silent = capture('json', 'silent');
    silent.log.error({}, 'nothing');
    expect(silent.lines).toEqual([]);
  });

  it.each(['json', 'pretty'] as const)('%s: a provider token and a bearer token never reach the output, wherever they appear', (format) => {
    const { log, lines } = capture(format);
    const err = Object.assign(new Error(`DigitalOcean said 401 for token ${PROVIDER_TOKEN}`), { reason: 'Unauthorized' });
    log.error({ err, cluster: 'web' }, 'provider call failed');
    log.info({ headers: { authorization: `Bearer ${BEARER}` }, note: `retry with ${PROVIDER_TOKEN}` }, `request from ${BEARER}`);
    log.warn({ token: 'anything-at-all', nested: { token: 'x', password: 'y' } }, 'Authorization: Bearer abcdefgh12345678');
    log.info({}, 'join with SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx');
    const all = lines.join('\n');
    expect(lines.length).toBe(4);
    expect(all).not.toContain(PROVIDER_TOKEN);
    expect(all).not.toContain(BEARER);
    expect(all).not.toContain('QQQQQQQQ');
    expect(all).not.toContain('anything-at-all');
    expect(all).not.toContain('abcdefgh12345678');
    expect(all).not.toContain('3pu6hszjas19');
    expect(all).toContain('[redacted]');
    // The rest of the line survives: people can still tell what happened.
    expect(all).toContain('provider call failed');
    expect(all).toContain('DigitalOcean said 401');
  });

  it('pretty output is one short line per event with the cluster up front', () => {
    const { log, lines } = capture('pretty');
    log.child({ cluster: 'web' }).info({ revision: 'abc123' }, 'running (2/2 nodes)');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: \[web\] running \(2\/2 nodes\) \{"revision":"abc123"\}$/);
  });
});
