import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { isPushTo, parsePushEvent, verifyGitHubSignature } from '../../../src/sources/webhook.js';

const secret = 'It-is-a-secret-to-everybody';
const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { full_name: 'acme/fleet' } });

describe('verifyGitHubSignature', () => {
  it('accepts the signature GitHub computes over the raw body, as text or bytes', async () => {
    const header = await sign(secret, body);
    expect(await verifyGitHubSignature(secret, body, header)).toBe(true);
    expect(await verifyGitHubSignature(secret, Buffer.from(body), [header])).toBe(true);
  });

  it.each([
    ['a signature made with another secret', async () => sign('not-the-secret', body)],
    ['a signature of another body', async () => sign(secret, body.replace('main', 'evil'))],
    ['a sha1 signature', async () => `sha1=${'0'.repeat(40)}`],
    ['a truncated signature', async () => (await sign(secret, body)).slice(0, 20)],
    ['no signature', async () => undefined],
  ])('rejects %s', async (_, header) => {
    expect(await verifyGitHubSignature(secret, body, await header())).toBe(false);
  });

  it('refuses to verify with an empty secret', async () => {
    await expect(verifyGitHubSignature('', body, await sign(secret, body))).rejects.toThrow(/secret is empty/);
  });
});

describe('parsePushEvent', () => {
  const after = 'b'.repeat(40);
  it.each([
    ['a push (parsed body)', { 'x-github-event': 'push' }, { ref: 'refs/heads/main', after }, { kind: 'push', ref: 'refs/heads/main', after }],
    ['a push (raw JSON)', { 'X-GitHub-Event': 'push' }, JSON.stringify({ ref: 'refs/heads/dev', after }), { kind: 'push', ref: 'refs/heads/dev', after }],
    [
      'a push (form-encoded)',
      { 'x-github-event': 'push', 'content-type': 'application/x-www-form-urlencoded' },
      `payload=${encodeURIComponent(JSON.stringify({ ref: 'refs/heads/main', after }))}`,
      { kind: 'push', ref: 'refs/heads/main', after },
    ],
    ['a ping', { 'x-github-event': 'ping' }, { zen: 'Keep it logically awesome.' }, { kind: 'ping' }],
    ['a tag push', { 'x-github-event': 'push' }, { ref: 'refs/tags/v1', after }, { kind: 'ignored', reason: 'refs/tags/v1 is not a branch' }],
    ['a pull_request', { 'x-github-event': 'pull_request' }, { action: 'opened' }, { kind: 'ignored', reason: 'pull_request events do not trigger a poll' }],
    ['no event header', {}, { ref: 'refs/heads/main', after }, { kind: 'ignored', reason: 'not a GitHub delivery: no X-GitHub-Event header' }],
    ['a broken body', { 'x-github-event': 'push' }, '{not json', { kind: 'ignored', reason: 'push event without a readable JSON body' }],
    ['a push without after', { 'x-github-event': 'push' }, { ref: 'refs/heads/main' }, { kind: 'ignored', reason: 'push event without ref and after' }],
  ])('reads %s', (_, headers, payload, expected) => {
    expect(parsePushEvent(headers, payload)).toEqual(expected);
  });

  it('tells a push to the tracked branch from one to another branch', () => {
    const event = parsePushEvent({ 'x-github-event': 'push' }, { ref: 'refs/heads/main', after });
    expect(isPushTo(event, 'main')).toBe(true);
    expect(isPushTo(event, 'dev')).toBe(false);
    expect(isPushTo({ kind: 'ping' }, 'main')).toBe(false);
  });
});
