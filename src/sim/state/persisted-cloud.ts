import type { Provider } from '../../domain/manifest/types.js';
import type { SimCredentials } from '../common/types.js';
import { IpPool, type IpAllocator } from '../common/ip-pool.js';
import type { RunningEmulator } from '../common/types.js';
import { SavedShapeError, savedObject, savedString } from './shape.js';
import { readSimState, SIM_STATE_VERSION, simStateError, SimStateWriter, type SimStatePart, type SimStateV1 } from './state-file.js';

export type { SimStatePart } from './state-file.js';

/**
 * A simulated cloud's state file, as `startSimCloud` uses it: read (and the address pool resumed)
 * at open; the emulators resumed from `resumeOf`; the parts once they run (`resumed`); from then
 * on `save` after every change (a no-op when nothing changed), and a last one at `close`.
 *
 * Not saved: rate-limit windows (a restarted simulated cloud grants a full window, erring on the
 * permissive side; saving them would make every read request a disk write) and injected faults
 * (a test's set-up, not the cloud's state). Request counts (`/__sim/requests`) start from zero.
 */
export interface PersistedCloud {
  /** The credentials saved, if any. */
  credentials(): SimCredentials | undefined;
  /** The emulator option that resumes `provider` (empty: start it empty). */
  resumeOf(provider: Provider): { resume?: unknown };
  /** The emulators run: resumes the parts, then saves (so the file exists from the first start). */
  resumed(credentials: SimCredentials, emulators: readonly RunningEmulator[]): Promise<void>;
  /** What to throw for an error while resuming: a SimStateError naming the file for a bad shape. */
  explain(err: unknown): unknown;
  save(): void;
  /** Saves a last time; later changes (the cloud is stopping) are not saved. */
  close(): void;
}

export function openSimState(path: string, ips: IpAllocator, parts: Record<string, SimStatePart>): PersistedCloud {
  if (!(ips instanceof IpPool)) throw new Error('a simulated cloud with a state file needs an IpPool, to save which addresses it handed out');
  const explain = (err: unknown) => (err instanceof SavedShapeError ? simStateError(path, err.message) : err);
  const saved = readSimState(path);
  try {
    if (saved) ips.restore(saved.ips);
  } catch (err) {
    throw explain(err);
  }
  const writer = new SimStateWriter(path);
  let live: { credentials: SimCredentials; emulators: readonly RunningEmulator[] } | undefined;
  const save = () => {
    if (!live) return;
    const state: SimStateV1 = {
      version: SIM_STATE_VERSION,
      credentials: live.credentials,
      ips: ips.snapshot(),
      emulators: Object.fromEntries(live.emulators.map((e) => [e.provider, e.snapshot()])),
      parts: Object.fromEntries(Object.entries(parts).map(([key, part]) => [key, part.snapshot()])),
    };
    writer.save(state);
  };
  return {
    credentials: () => {
      try {
        return saved ? readCredentials(saved.credentials) : undefined;
      } catch (err) {
        throw explain(err);
      }
    },
    resumeOf: (provider) => (saved?.emulators[provider] === undefined ? {} : { resume: saved.emulators[provider] }),
    async resumed(credentials, emulators) {
      const vms = () => emulators.flatMap((e) => e.vms());
      for (const [key, part] of Object.entries(parts)) {
        await part.restore(saved?.parts[key], vms);
        part.onChange(save);
      }
      live = { credentials, emulators };
      save();
    },
    explain,
    save,
    close() {
      save();
      live = undefined;
    },
  };
}

function readCredentials(saved: unknown): SimCredentials {
  const c = savedObject(saved, 'credentials');
  const aws = savedObject(c.aws, 'credentials.aws');
  return {
    digitalocean: { token: savedString(savedObject(c.digitalocean, 'credentials.digitalocean').token, 'credentials.digitalocean.token') },
    hetzner: { token: savedString(savedObject(c.hetzner, 'credentials.hetzner').token, 'credentials.hetzner.token') },
    aws: { accessKeyId: savedString(aws.accessKeyId, 'credentials.aws.accessKeyId'), secretAccessKey: savedString(aws.secretAccessKey, 'credentials.aws.secretAccessKey') },
  };
}
