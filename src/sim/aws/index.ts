export { startAwsEmulator, type AwsEmulatorOptions } from './emulator.js';
