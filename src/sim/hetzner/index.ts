export { startHetznerEmulator, type HetznerEmulatorOptions } from './emulator.js';
