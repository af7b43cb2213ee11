export { createSwarmAdapter, type SwarmAdapterConfig } from './adapter.js';
