// The Knocker core: everything a user can do, with no Electron import. The tray app and the
// `knocker` CLI are thin shells over these modules.

export * from './errors.js';
export * from './profile-schema.js';
export * from './time-door.js';
export * from './config-paths.js';
export { writeFileAtomic } from 'knocker-agent';
export type { AtomicWriteOptions } from 'knocker-agent';
export * from './profile-store.js';
export * from './secret-store.js';
export * from './profile-service.js';
export * from './address-resolver.js';
export * from './knock-sender.js';
export * from './port-waiter.js';
export * from './ssh-command.js';
export * from './terminal-launcher.js';
export * from './connect-flow.js';
export * from './knockd-import.js';
export * from './ssh-config-import.js';
export * from './profile-transfer.js';
