export { createSimHostFleet, type SimHostFleet, type SimHostFleetOptions } from './fleet.js';
export { loopbackIps } from './loopback-ips.js';
export { PASSWORD_EXPIRED, SimHostWorld, type SimHostWorldOptions } from './world.js';
export type { SimSwarmView, SimSwarmNodeView } from './swarm-model.js';
export type { SimK3sView, SimK3sNodeView } from './k3s-model.js';
