// The IPC handler table: one entry per channel of the schema, each a one-line call into
// DesktopApp. The Handlers type (derived from the schema) makes a missing channel, a wrong
// argument or a wrong result a compile error.

import type { DesktopApp } from './desktop-app.js';
import type { Handlers } from './ipc-router.js';
import { importTimeDoor, timeDoorView } from './time-import.js';

export function createHandlers(app: DesktopApp): Handlers {
  return {
    profiles: {
      list: () => app.listProfiles(),
      sequence: ({ name }) => app.sequence(name),
      add: ({ input }) => app.add(input),
      edit: ({ name, patch }) => app.edit(name, patch),
      remove: ({ name }) => app.remove(name),
      copySshCommand: ({ name }) => app.copySshCommand(name),
      timeDoor: ({ name }) => timeDoorView(app, name),
      moveAside: () => app.moveProfilesAside(),
    },
    knock: {
      connect: ({ name, runId }) => app.run('connect', name, runId),
      knockOnly: ({ name, runId }) => app.run('knock', name, runId),
      test: ({ runId, input, savedName }) => app.testKnock(runId, input, savedName),
      cancel: ({ runId }) => app.cancel(runId),
    },
    imports: {
      knockd: ({ text, fileName, host, family }) => app.importKnockd(text, fileName, host, family),
      sshConfig: ({ sequence }) => app.importSshConfig(sequence),
      apply: ({ items, replace }) => app.applyImport(items, replace),
      time: (args) => importTimeDoor(app, args),
      fwknoprc: ({ text, fileName }) => app.importFwknoprc(text, fileName),
      applyFwknoprc: ({ names, replace, text, fileName }) => app.applyFwknoprc(names, replace, text, fileName),
    },
    prefs: {
      get: () => app.getPrefs(),
      set: ({ patch }) => app.setPrefs(patch),
    },
    recent: {
      list: () => app.recent.list(),
      clear: () => {
        app.recent.clear();
        return {};
      },
    },
    app: {
      state: () => app.state(),
      refreshReachability: () => {
        void app.reach.checkAll();
        return {};
      },
      openSettings: ({ section }) => {
        void app.menuAction({ kind: 'settings', ...(section ? { section } : {}) });
        return {};
      },
      closePicker: () => {
        app.closePicker();
        return {};
      },
    },
  };
}
