export { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions } from './emulator.js';
