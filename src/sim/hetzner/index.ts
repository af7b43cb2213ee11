export { startHetznerEmulator } from './emulator.js';
