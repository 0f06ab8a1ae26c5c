// An in-memory stand-in for keytar in unit tests, with a switch that behaves like a locked
// GNOME keyring (reads give null, writes throw, deletes give false) and one that behaves like a
// machine without Secret Service. The end-to-end tests use a real gnome-keyring instead.

import type { KeychainBackend } from '../core/secret-store.js';

export class MemoryKeychain implements KeychainBackend {
  readonly items = new Map<string, string>();
  locked = false;
  unavailable = false;
  calls: string[] = [];

  private check(op: string): void {
    this.calls.push(op);
    if (this.unavailable) throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
  }

  async getPassword(service: string, account: string): Promise<string | null> {
    this.check('get');
    if (this.locked) return null;
    return this.items.get(`${service}/${account}`) ?? null;
  }

  async setPassword(service: string, account: string, password: string): Promise<void> {
    this.check('set');
    if (this.locked) throw new Error('Cannot create an item in a locked collection');
    this.items.set(`${service}/${account}`, password);
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    this.check('delete');
    if (this.locked) return false;
    return this.items.delete(`${service}/${account}`);
  }
}
