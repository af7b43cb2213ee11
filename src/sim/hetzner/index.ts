export { startHetznerEmulator, type HetznerEmulator, type HetznerEmulatorOptions } from './emulator.js';
