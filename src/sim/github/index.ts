export { startGitHubEmulator, type CommentView, type GitHubEmulator, type GitHubEmulatorOptions, type StatusView } from './emulator.js';
export { signature, type Delivery, type WebhookConfig } from './webhook.js';
