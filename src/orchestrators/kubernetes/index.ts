export { createK3sAdapter, type K3sAdapterConfig } from './adapter.js';
