// Small formatting helpers shared by the components.
import type { ReachStateName } from '../../../electron/shared/ipc-schema';

export function ms(v: number | undefined): string {
  if (v === undefined) return '–';
  return v < 1000 ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : `${(v / 1000).toFixed(2)} s`;
}

export const REACH_LABEL: Record<ReachStateName, string> = {
  unknown: 'Not checked yet',
  checking: 'Checking…',
  open: 'SSH port open',
  reachable: 'Reachable, SSH port closed',
  unreachable: 'Unreachable',
};

export function timeOfDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
