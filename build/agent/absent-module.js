// Stands in, inside the knocker-agent bundle, for optional modules that are left out on
// purpose (scripts/package-agent.sh): usocket, a native addon dbus-next tries first for unix
// sockets, and x11, used only to find a desktop session bus. Requiring it throws as if the
// module were not installed, so dbus-next takes its plain net.Socket path, which is all the
// agent needs for the system bus.
'use strict';
const err = new Error('this optional module is not part of the knocker-agent bundle');
err.code = 'MODULE_NOT_FOUND';
throw err;
