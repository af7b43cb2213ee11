export { createHetznerAdapter, type HetznerAdapterConfig } from './adapter.js';
