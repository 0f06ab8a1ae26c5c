// The history of recent knocks (time, profile, address, outcome, total time), newest first,
// bounded, kept in recent-knocks.json beside profiles.json. It never holds a sequence: an entry
// says where and how it went, not what was knocked.

import * as fs from 'fs';
import * as path from 'path';

import { writeFileAtomic } from 'knocker-agent';
import { configDir } from '../core/config-paths.js';
import type { RecentKnockView } from '../shared/ipc-schema.js';

export const RECENT_FILE_NAME = 'recent-knocks.json';
export const RECENT_MAX = 50;

function isEntry(v: unknown): v is RecentKnockView {
  const e = v as RecentKnockView;
  return (
    !!e &&
    typeof e === 'object' &&
    typeof e.at === 'string' &&
    typeof e.profile === 'string' &&
    ['connect', 'knock', 'test'].includes(e.mode) &&
    ['open', 'knocked', 'failed'].includes(e.outcome) &&
    typeof e.message === 'string'
  );
}

export class RecentKnocks {
  readonly file: string;
  readonly max: number;
  private entries: RecentKnockView[] | undefined;

  constructor(file: string = path.join(configDir(), RECENT_FILE_NAME), max = RECENT_MAX) {
    this.file = file;
    this.max = max;
  }

  /** Newest first. An unreadable file counts as an empty history (it is only a history). */
  list(): RecentKnockView[] {
    if (!this.entries) {
      try {
        const doc = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { entries?: unknown };
        this.entries = Array.isArray(doc.entries) ? doc.entries.filter(isEntry).slice(0, this.max) : [];
      } catch {
        this.entries = [];
      }
    }
    return this.entries.map((e) => ({ ...e }));
  }

  add(entry: RecentKnockView): RecentKnockView[] {
    const next = [entry, ...this.list()].slice(0, this.max);
    this.save(next);
    return this.list();
  }

  /** Rename a profile in the history (after an edit). */
  rename(from: string, to: string): void {
    if (from === to) return;
    const list = this.list();
    if (!list.some((e) => e.profile === from)) return;
    this.save(list.map((e) => (e.profile === from ? { ...e, profile: to } : e)));
  }

  clear(): void {
    this.save([]);
  }

  private save(entries: RecentKnockView[]): void {
    writeFileAtomic(this.file, `${JSON.stringify({ version: 1, entries }, null, 2)}\n`);
    this.entries = entries;
  }
}
