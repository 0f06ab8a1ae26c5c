// The preload of every Knocker window (sandboxed, context-isolated): exposes exactly the API
// derived from the IPC schema as window.knocker, and nothing else: no ipcRenderer, no Node.
// Bundled into one file (sandboxed preloads cannot require local modules).

import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';

import { createApi } from '../shared/ipc-schema.js';

const api = createApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, args),
  subscribe: (channel, listener) => {
    const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
});

contextBridge.exposeInMainWorld('knocker', api);
