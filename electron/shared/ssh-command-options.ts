// ssh options that make ssh run a program or load code on this computer (or run a command in
// the user's session on the server). A profile from an import (a shared JSON file, an ssh
// config) must not bring them: whoever wrote the file would run code as the user on connect.
// A person may still set them by hand in the editor, which then shows a warning.
// Shared by the core (imports refuse them) and the renderer (the editor warns).

const COMMAND_OPTIONS: Record<string, string> = {
  proxycommand: 'runs a command on this computer to reach the server',
  localcommand: 'runs a command on this computer after connecting',
  permitlocalcommand: 'lets LocalCommand (or the ~! escape) run commands on this computer',
  knownhostscommand: 'runs a command on this computer to list host keys',
  pkcs11provider: 'loads a library into ssh on this computer',
  securitykeyprovider: 'loads a library into ssh on this computer',
  xauthlocation: 'names the program ssh runs for X11 forwarding',
  // Match exec runs a command; Include reads config files that may hold any of these. ssh
  // refuses both on its command line today; an import refuses them regardless.
  match: 'may run a command on this computer (Match exec)',
  include: 'reads other ssh config files, which may run commands',
  // Runs on the server, not here, but in the user's session and with the user's rights: what a
  // session does is the user's choice, not a shared file's.
  remotecommand: 'runs a command in your session on the server',
};

/** The option's key (as written) and why it is dangerous, for each option that runs code. */
export function commandRunningOptions(options: readonly string[]): { index: number; key: string; why: string }[] {
  const out: { index: number; key: string; why: string }[] = [];
  options.forEach((o, index) => {
    const key = /^\s*([A-Za-z][A-Za-z0-9]*)/.exec(o)?.[1];
    const why = key ? COMMAND_OPTIONS[key.toLowerCase()] : undefined;
    if (key && why) out.push({ index, key, why });
  });
  return out;
}
