// ipcMain wired to the router derived from the schema: a handle() per channel, each payload
// validated and its sender checked before the handler runs; events go to every Knocker window.

import { ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';

import type { DesktopApp } from '../app/desktop-app.js';
import { createHandlers } from '../app/handlers.js';
import { attachRouter, createRouter } from '../app/ipc-router.js';
import type { WindowKind } from '../shared/ipc-schema.js';

export function registerIpc(app: DesktopApp, senderKind: (e: IpcMainInvokeEvent) => WindowKind | undefined): () => void {
  const router = createRouter<IpcMainInvokeEvent>(createHandlers(app), senderKind, {
    onError: (channel, err) => console.error(`[knocker] ${channel}: ${(err as Error).message}`),
  });
  return attachRouter(ipcMain, router);
}
