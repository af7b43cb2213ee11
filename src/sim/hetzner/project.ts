import { PairSet } from '../common/pair-set.js';

/** A system image, as `GET /v1/images` shows it (one per name and architecture). */
export interface HetznerImage {
  id: number;
  name: string;
  description: string;
  osFlavor: string;
  osVersion: string;
  architecture: 'x86' | 'arm';
}

const SYSTEM_IMAGES: readonly [string, string, string][] = [
  ['ubuntu-24.04', 'ubuntu', '24.04'],
  ['ubuntu-22.04', 'ubuntu', '22.04'],
  ['debian-12', 'debian', '12'],
  ['debian-13', 'debian', '13'],
  ['rocky-9', 'rocky', '9'],
  ['fedora-42', 'fedora', '42'],
];

/**
 * The simulated Hetzner Cloud project behind the emulator's tokens: which tokens are "Read"
 * only (Hetzner's two token permissions: Read allows GET only, docs.hetzner.com "Generating an
 * API token"), the system images, and server types out of stock in a location.
 * Plain fields: tests change them directly to stage a real project's problems.
 */
export class HetznerProject {
  /** Tokens created with the "Read" permission: any other method answers `token_readonly`. */
  readonly readOnlyTokens = new Set<string>();
  /** The system images (x86 and arm of each); remove one to stage an image that is gone. */
  readonly images: HetznerImage[] = SYSTEM_IMAGES.flatMap(([name, osFlavor, osVersion], i) =>
    (['x86', 'arm'] as const).map((architecture, a) => ({ id: 161_547_269 + 2 * i + a, name, description: `${osFlavor[0]!.toUpperCase()}${osFlavor.slice(1)} ${osVersion}`, osFlavor, osVersion, architecture })),
  );
  /** (location, server type) pairs out of stock now, although the catalogue sells the type there. */
  readonly unavailableTypes = new PairSet();

  image(name: string, architecture: string = 'x86'): HetznerImage | undefined {
    return this.images.find((i) => i.name === name && i.architecture === architecture);
  }
}
