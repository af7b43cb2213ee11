import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEd25519 } from '../../../src/orchestrators/ssh/openssh-key.js';
import { TAG } from '../../../src/providers/ownership.js';
import { md5Fingerprint } from '../../../src/providers/ssh-keys.js';
import { StalledError } from '../../../src/reconcile/errors.js';
import { OWNER, PUBLIC_KEY, request, type ContractHarness } from './contract.js';

/** A key as the provider's emulator holds it (`/__sim/state`). */
export interface HeldKey {
  id: number;
  name: string;
  fingerprint: string;
  labels?: Record<string, string>;
}

/** What the SSH-key contract needs besides the provider contract's harness (DigitalOcean, Hetzner). */
export interface SshKeyHarness extends ContractHarness {
  /** The operation names the adapter records for its key lookup and key create. */
  keyOps: { lookup: string; create: string };
  /** The keys the account / project holds now. */
  heldKeys(): Promise<HeldKey[]>;
  /** Registers a key out of band, with the account's token (another process, a person in the console). */
  registerKey(publicKey: string, name: string): Promise<void>;
  /** Deletes a key out of band. */
  deleteKey(id: number): Promise<void>;
  /** Whether a request is the adapter's key lookup. */
  isKeyLookup(method: string, path: string): boolean;
}

/** The fingerprint `ssh-keygen -l -E md5` prints for PUBLIC_KEY. */
const FINGERPRINT = md5Fingerprint(Buffer.from(PUBLIC_KEY.split(' ')[1]!, 'base64'));

/**
 * A loopback proxy in front of the emulator that lets the adapter's first key lookup through and,
 * before passing its answer ("no such key") on, runs `meanwhile`: the race of two processes
 * registering the same key, made deterministic.
 */
async function raceProxy(h: SshKeyHarness, meanwhile: () => Promise<void>): Promise<{ endpoint: string; close(): Promise<void> }> {
  const target = new URL(h.emulator.endpoint);
  let raced = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', target.origin);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length')) as Record<string, string>;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
        const text = await answer.text();
        if (!raced && h.isKeyLookup(req.method ?? 'GET', url.pathname)) {
          raced = true;
          await meanwhile();
        }
        res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding')));
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${target.pathname}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/**
 * Issue 16 item 1: VMs are created with clusterops' key registered at the provider, so no root
 * password is set that PAM would make every command wait for. Asserted on the emulator's state:
 * which keys the account holds, and which VMs were created with one.
 */
export function describeSshKeyContract(name: string, makeHarness: () => Promise<SshKeyHarness>): void {
  describe(`${name} SSH key registration (real client ⇄ emulator over HTTP)`, () => {
    let h: SshKeyHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.close();
    });

    const carriesKey = (providerId: string) => h.emulator.vms().find((v) => v.id === providerId)?.providerSshKey;

    it('registers the key once, under clusterops-<owner id>; a second adapter finds it by fingerprint; every create carries it', async () => {
      const first = h.adapter();
      const created = await Promise.all([request(h), request(h), request(h, { region: h.otherRegion })].map((r) => first.create(r)));
      const keys = await h.heldKeys();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ fingerprint: FINGERPRINT, name: `clusterops-${OWNER}-${FINGERPRINT.replaceAll(':', '').slice(0, 8)}` });
      if (keys[0]!.labels) expect(keys[0]!.labels).toEqual({ [TAG.owner]: OWNER });
      // The new process: one lookup by fingerprint, no second registration.
      const second = h.adapter();
      created.push(await second.create(request(h)), await second.create(request(h)));
      expect(await h.heldKeys()).toEqual(keys);
      expect(h.counter.count({ operation: h.keyOps.create })).toBe(1);
      expect(h.counter.count({ operation: h.keyOps.lookup })).toBe(2);
      expect(created.map((vm) => carriesKey(vm.providerId))).toEqual([true, true, true, true, true]);
    });

    it('a key another process registered between the lookup and the create is adopted, not registered twice', async () => {
      const proxy = await raceProxy(h, () => h.registerKey(PUBLIC_KEY, 'clusterops-other-process'));
      try {
        const vm = await h.adapter({ endpoint: proxy.endpoint }).create(request(h));
        expect(await h.heldKeys()).toMatchObject([{ name: 'clusterops-other-process', fingerprint: FINGERPRINT }]);
        expect(carriesKey(vm.providerId)).toBe(true);
        // The create was refused as a duplicate, then the key looked up again.
        expect(h.counter.count({ operation: h.keyOps.create, status: 201 })).toBe(0);
        expect(h.counter.count({ operation: h.keyOps.create })).toBe(1);
        expect(h.counter.count({ operation: h.keyOps.lookup })).toBe(2);
      } finally {
        await proxy.close();
      }
    });

    it('a key someone deleted in the console after it was cached is registered again, and the create still carries it', async () => {
      const adapter = h.adapter();
      await adapter.create(request(h));
      const [before] = await h.heldKeys();
      await h.deleteKey(before!.id);
      const vm = await adapter.create(request(h));
      const after = await h.heldKeys();
      expect(after).toHaveLength(1);
      expect(after[0]!.id).not.toBe(before!.id);
      expect(carriesKey(vm.providerId)).toBe(true);
      expect(h.emulator.vms()).toHaveLength(2);
    });

    it('a key the provider will not register stalls with SshKeyRejected, and nothing is created', async () => {
      // Our own check passes (an ed25519 blob), the provider's does not (its key is 31 bytes, not 32).
      const blob = Buffer.from(encodeEd25519(Buffer.alloc(32, 9), 'x').publicLine.split(' ')[1]!, 'base64').subarray(0, -1);
      blob.writeUInt32BE(31, 15);
      const r = request(h, { sshPublicKey: `ssh-ed25519 ${blob.toString('base64')} clusterops` });
      const err = await h.adapter().create(r).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StalledError);
      expect((err as StalledError).reason).toBe('SshKeyRejected');
      expect(h.emulator.vms().filter((v) => v.tags[TAG.node] === r.nodeId)).toEqual([]);
      expect(await h.heldKeys()).toEqual([]);
    });
  });
}
