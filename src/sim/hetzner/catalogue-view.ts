import { catalogue as defaultCatalogue, type Catalogue, type SizeSpec } from '../../domain/catalogue/catalogue.js';
import { HetznerProject, type HetznerImage } from './project.js';

/** A Hetzner location as the API describes it. */
export interface LocationView {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

/** Facts the catalogue does not hold (provider-apis.md §2.9); unknown codes get neutral values. */
const LOCATION_FACTS: Record<string, Omit<LocationView, 'name' | 'description' | 'city'>> = {
  fsn1: { id: 1, country: 'DE', latitude: 50.47612, longitude: 12.370071, network_zone: 'eu-central' },
  nbg1: { id: 2, country: 'DE', latitude: 49.452102, longitude: 11.076665, network_zone: 'eu-central' },
  hel1: { id: 3, country: 'FI', latitude: 60.169855, longitude: 24.938379, network_zone: 'eu-central' },
  ash: { id: 4, country: 'US', latitude: 39.045821, longitude: -77.487073, network_zone: 'us-east' },
  hil: { id: 5, country: 'US', latitude: 45.54222, longitude: -122.951924, network_zone: 'us-west' },
  sin: { id: 6, country: 'SG', latitude: 1.283333, longitude: 103.833333, network_zone: 'ap-southeast' },
};

/** A server type and what it costs in each location that sells it. */
export interface ServerTypeView {
  name: string;
  spec: SizeSpec;
  /** location → monthly net price, for every location where the type can be ordered. */
  prices: Map<string, number>;
}

/**
 * What the emulator sells, read from the same catalogue the manifest validator uses: a server
 * type is orderable in a location when it is the `size` of a plan in that location's table.
 */
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

export function createCatalogueView(cat: Catalogue = defaultCatalogue, project = new HetznerProject()): HetznerCatalogueView {
  const hz = cat.hetzner;
  const types = new Map<string, ServerTypeView>();
  for (const [code, region] of Object.entries(hz.regions)) {
    if (region.available === false) continue;
    for (const spec of Object.values(hz.sizeTables[region.sizes] ?? {})) {
      if (!spec || (spec.regions && !spec.regions.includes(code))) continue;
      const view = types.get(spec.size) ?? { name: spec.size, spec, prices: new Map<string, number>() };
      view.prices.set(code, spec.monthlyPrice);
      types.set(spec.size, view);
    }
  }
  const location = (name: string): LocationView | undefined => {
    const region = hz.regions[name];
    if (!region) return undefined;
    const facts = LOCATION_FACTS[name] ?? { id: 1000, country: '', latitude: 0, longitude: 0, network_zone: '' };
    return { ...facts, name, description: region.name, city: region.name.split(',')[0]! };
  };
  return {
    location,
    locations: () => Object.keys(hz.regions).map((name) => location(name)!),
    serverType: (name) => types.get(name),
    serverTypes: () => [...types.values()],
    available: (loc, type) => types.get(type)?.prices.has(loc) === true && !project.unavailableTypes.has(loc, type),
    image: (name, architecture) => project.image(name, architecture),
    images: () => project.images,
  };
}
