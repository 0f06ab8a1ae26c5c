// The tray menu as data: built from the profiles, their reachability and the runs in progress,
// with an action per item. electron/app/tray-presenter.ts turns it into Electron menu templates;
// the tests read it directly. On Linux some trays ignore clicks on the icon, so everything is
// reachable from this menu.

import type { ProfileView, ReachView, RunMode, ShortcutStatusView } from '../shared/ipc-schema.js';

export type MenuAction =
  | { kind: 'connect'; profile: string }
  | { kind: 'knock-only'; profile: string }
  | { kind: 'copy-ssh'; profile: string }
  | { kind: 'picker' }
  | { kind: 'settings'; section?: 'servers' | 'import' | 'preferences' | 'recent' }
  | { kind: 'refresh' }
  | { kind: 'quit' };

export interface MenuNode {
  id: string;
  label?: string;
  separator?: boolean;
  enabled?: boolean;
  /** Shown after the label (state, shortcut). */
  detail?: string;
  accelerator?: string;
  action?: MenuAction;
  children?: MenuNode[];
}

export type TrayIconState = 'idle' | 'knocking' | 'open' | 'error';

export interface MenuInput {
  profiles: readonly ProfileView[];
  reach: Readonly<Record<string, ReachView>>;
  busy: Readonly<Record<string, RunMode>>;
  shortcut?: ShortcutStatusView;
  /** Last outcome per profile id, to show failures until the next try. */
  lastOutcome?: Readonly<Record<string, 'open' | 'knocked' | 'failed'>>;
  /** The profile file cannot be read: why (the list is empty until it is fixed or moved aside). */
  profilesProblem?: string;
}

const REACH_TEXT: Record<ReachView['state'], string> = {
  unknown: 'not checked yet',
  checking: 'checking…',
  open: 'SSH port open',
  reachable: 'reachable',
  unreachable: 'unreachable',
};

const REACH_MARK: Record<ReachView['state'], string> = {
  unknown: '○',
  checking: '◌',
  open: '●',
  reachable: '◐',
  unreachable: '✕',
};

export function stateText(profile: ProfileView, input: MenuInput): string {
  const busy = input.busy[profile.id];
  if (busy) return busy === 'connect' ? 'knocking, then connecting…' : 'knocking…';
  if (!profile.hasSequence) return 'no sequence set';
  const r = input.reach[profile.id];
  return REACH_TEXT[r?.state ?? 'unknown'];
}

export function buildMenuModel(input: MenuInput): MenuNode[] {
  const nodes: MenuNode[] = [];
  if (input.profilesProblem) {
    nodes.push({ id: 'profiles-problem', label: 'Server list cannot be read…', detail: input.profilesProblem, action: { kind: 'settings', section: 'servers' } });
  } else if (input.profiles.length === 0) {
    nodes.push({ id: 'empty', label: 'No servers yet', enabled: false });
    nodes.push({ id: 'add', label: 'Add a server…', action: { kind: 'settings', section: 'servers' } });
  }
  for (const p of input.profiles) {
    const busy = !!input.busy[p.id];
    const mark = REACH_MARK[input.reach[p.id]?.state ?? 'unknown'];
    const state = stateText(p, input);
    const usable = p.hasSequence && !busy;
    nodes.push({
      id: `server:${p.id}`,
      label: `${busy ? '◌' : mark}  ${p.name}`,
      detail: state,
      children: [
        { id: `connect:${p.id}`, label: `Knock and connect (${p.ssh.user ? `${p.ssh.user}@` : ''}${p.host})`, enabled: usable, action: { kind: 'connect', profile: p.name } },
        { id: `knock:${p.id}`, label: 'Knock only', enabled: usable, action: { kind: 'knock-only', profile: p.name } },
        { id: `copy:${p.id}`, label: 'Copy ssh command', action: { kind: 'copy-ssh', profile: p.name } },
        { id: `sep:${p.id}`, separator: true },
        { id: `state:${p.id}`, label: state[0].toUpperCase() + state.slice(1), enabled: false },
      ],
    });
  }
  nodes.push({ id: 'sep-1', separator: true });
  const sc = input.shortcut;
  nodes.push({
    id: 'picker',
    label: 'Quick connect…',
    accelerator: sc?.registered ? sc.accelerator : undefined,
    action: { kind: 'picker' },
    enabled: input.profiles.length > 0,
  });
  if (sc && !sc.registered) nodes.push({ id: 'shortcut-error', label: `Shortcut ${sc.accelerator} unavailable`, detail: sc.error, action: { kind: 'settings', section: 'preferences' } });
  nodes.push({ id: 'refresh', label: 'Check servers now', action: { kind: 'refresh' }, enabled: input.profiles.length > 0 });
  nodes.push({ id: 'settings', label: 'Settings…', action: { kind: 'settings' } });
  nodes.push({ id: 'sep-2', separator: true });
  nodes.push({ id: 'quit', label: 'Quit Knocker', action: { kind: 'quit' } });
  return nodes;
}

/** The tray icon: knocking while any run is in progress, else the last outcome (error wins), else idle. */
export function trayIconState(input: { busy: Readonly<Record<string, RunMode>>; lastOutcome?: Readonly<Record<string, 'open' | 'knocked' | 'failed'>>; profilesProblem?: string }): TrayIconState {
  if (input.profilesProblem) return 'error';
  if (Object.keys(input.busy).length > 0) return 'knocking';
  const outcomes = Object.values(input.lastOutcome ?? {});
  if (outcomes.includes('failed')) return 'error';
  if (outcomes.includes('open')) return 'open';
  return 'idle';
}

export function trayToolTip(input: MenuInput): string {
  if (input.profilesProblem) return 'Knocker: the server list cannot be read';
  const busy = input.profiles.filter((p) => input.busy[p.id]).map((p) => p.name);
  if (busy.length) return `Knocker: knocking ${busy.join(', ')}`;
  const open = input.profiles.filter((p) => input.reach[p.id]?.state === 'open').length;
  return `Knocker: ${input.profiles.length} server${input.profiles.length === 1 ? '' : 's'}${open ? `, ${open} with SSH open` : ''}`;
}
