// Which interfaces to capture on, and a precise message when one does not exist
// (CentOS 7 names them ens*/enp*, so knockd's default eth0 fails there: origin.md #7).
import { defaultRouteInterface, existingInterfaces } from '../host/net-facts.js';

export const DEFAULT_INTERFACE = 'eth0';

/** -i wins over the config's Interface (knockd), then the default eth0. */
export function chosenInterfaces(cliInterfaces: string[], configInterface: string | undefined): string[] {
  if (cliInterfaces.length > 0) return [...new Set(cliInterfaces)];
  return [configInterface ?? DEFAULT_INTERFACE];
}

/** A one-line error for each missing interface, naming what exists. */
export function missingInterfaceErrors(interfaces: string[]): string[] {
  const present = existingInterfaces();
  const missing = interfaces.filter((i) => i !== 'any' && !present.includes(i));
  if (missing.length === 0) return [];
  const route = defaultRouteInterface();
  const hint = `interfaces here: ${present.join(', ') || 'none'}${route ? `; the default route uses ${route} (try -i ${route} or Interface = ${route})` : ''}`;
  return missing.map((i) => `could not open ${i}: ${i}: No such device exists (${hint})`);
}
