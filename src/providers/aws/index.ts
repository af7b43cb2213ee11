export { createAwsAdapter, DEFAULT_TIMEOUT_MS, SIMULATED_IMAGE_ID, type AwsAdapterConfig } from './adapter.js';
