// Desktop notifications: a knock's success with the time it took, failures with their reason.

import { Notification } from 'electron';

import type { Notice } from '../app/desktop-app.js';

export function showNotice(notice: Notice, icon?: string): void {
  if (!Notification.isSupported()) {
    console.log(`[knocker] ${notice.title}: ${notice.body}`);
    return;
  }
  const n = new Notification({ title: notice.title, body: notice.body, silent: notice.kind !== 'failure', ...(icon ? { icon } : {}) });
  n.show();
}
