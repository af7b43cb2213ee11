import { HETZNER_OFFER, type HetznerOffer, type LocationOffer } from './offer.js';
import { HetznerProject, type HetznerImage } from './project.js';

/** A Hetzner location as the API describes it. */
export type LocationView = LocationOffer;

/** A server type and what it costs in each location that sells it. */
export interface ServerTypeView {
  name: string;
  spec: { vcpus: number; memoryMiB: number; diskGB: number };
  /** location → monthly net price, for every location where the type can be ordered. */
  prices: Map<string, number>;
}

/** What the emulator sells: its own table of Hetzner's offer (offer.ts), not clusterops' catalogue. */
export interface HetznerCatalogueView {
  location(name: string): LocationView | undefined;
  /** Every location, in catalogue order. */
  locations(): LocationView[];
  serverType(name: string): ServerTypeView | undefined;
  /** Every server type some location sells. */
  serverTypes(): ServerTypeView[];
  /** Whether a type sold in a location can be ordered there now (the project may see it out of stock). */
  available(location: string, serverType: string): boolean;
  image(name: string, architecture?: string): HetznerImage | undefined;
  images(): readonly HetznerImage[];
}

export function createCatalogueView(offer: HetznerOffer = HETZNER_OFFER, project = new HetznerProject()): HetznerCatalogueView {
  const types = new Map<string, ServerTypeView>(
    offer.serverTypes.map((t) => [
      t.name,
      { name: t.name, spec: { vcpus: t.cores, memoryMiB: t.memoryGB * 1024, diskGB: t.diskGB }, prices: new Map(Object.entries(t.prices)) },
    ]),
  );
  return {
    location: (name) => offer.locations.find((l) => l.name === name),
    locations: () => [...offer.locations],
    serverType: (name) => types.get(name),
    serverTypes: () => [...types.values()],
    available: (loc, type) => types.get(type)?.prices.has(loc) === true && !project.unavailableTypes.has(loc, type),
    image: (name, architecture) => project.image(name, architecture),
    images: () => project.images,
  };
}
