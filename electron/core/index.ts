// The Knocker core: everything a user can do, with no Electron import. The tray app and the
// `knocker` CLI are thin shells over these modules.

export * from './errors.js';
export * from './profile-schema.js';
export * from './time-door.js';
export * from './spa-door.js';
export * from './config-paths.js';
export { writeFileAtomic } from 'knocker-agent';
export type { AtomicWriteOptions } from 'knocker-agent';
export * from './profile-store.js';
export * from './secret-store.js';
export * from './profile-service.js';
export * from './knock/address-resolver.js';
export * from './knock/knock-sender.js';
export * from './knock/door-knock.js';
export * from './probe/tcp-probe.js';
export * from './probe/port-waiter.js';
export * from './probe/icmp-probe.js';
export * from './probe/reachability.js';
export * from './terminal/ssh-command.js';
export * from './terminal/terminal-launcher.js';
export * from './terminal/ssh-terminal.js';
export * from './connect-flow.js';
export * from './imports/knockd-import.js';
export * from './imports/ssh-config-import.js';
export * from './imports/profile-transfer.js';
export * from './imports/fwknoprc-import.js';
