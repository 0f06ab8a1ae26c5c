// knocker-lab: the one test lab of the repository (server-agent/test, test/knocker, bench/).
// Runs under Node 16 and 20. See test/lab/README.md for what each module holds.
export * from './proc.js';
export * from './netns.js';
export * from './firewalld.js';
export * from './sshd.js';
export * from './keyring.js';
export * from './knock-daemons.js';
export * from './clients.js';
export * from './timing.js';
export * from './hooks.js';
