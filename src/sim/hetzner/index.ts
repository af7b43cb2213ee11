export { startHetznerEmulator, type HetznerEmulator } from './emulator.js';
