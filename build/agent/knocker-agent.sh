#!/bin/sh
# knocker-agent launcher: finds Node.js >= 16 and runs the bundled agent with it.
# Node is taken from $KNOCKER_AGENT_NODE, else "node" in PATH, else /usr/bin/node or
# /usr/local/bin/node. The bundle lives in ../lib/knocker-agent relative to this file
# (or in $KNOCKER_AGENT_LIBDIR).
NODE_MIN=16

self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
libdir=${KNOCKER_AGENT_LIBDIR:-$(dirname -- "$self")/../lib/knocker-agent}
main=$libdir/bin/knocker-agent
if [ ! -f "$main" ]; then
  echo "knocker-agent: $main is missing; reinstall knocker-agent" >&2
  exit 1
fi

node=${KNOCKER_AGENT_NODE:-}
if [ -n "$node" ] && [ ! -x "$node" ]; then
  echo "knocker-agent: KNOCKER_AGENT_NODE=$node is not an executable file; Node.js >= $NODE_MIN is required." >&2
  exit 1
fi
if [ -z "$node" ]; then
  node=$(command -v node 2>/dev/null) || node=
fi
if [ -z "$node" ]; then
  for candidate in /usr/bin/node /usr/local/bin/node; do
    if [ -x "$candidate" ]; then node=$candidate; break; fi
  done
fi
if [ -z "$node" ]; then
  echo "knocker-agent: Node.js >= $NODE_MIN is required, but no \"node\" was found (PATH=$PATH)." >&2
  echo "  CentOS 7: install the nodejs 16 package (NodeSource or EPEL; see the README), or" >&2
  echo "  set KNOCKER_AGENT_NODE=/path/to/node (for the service: in /etc/sysconfig/knocker-agent)." >&2
  exit 1
fi

version=$("$node" --version 2>/dev/null) || version=
major=${version#v}
major=${major%%.*}
case $major in
  '' | *[!0-9]*)
    echo "knocker-agent: $node does not look like Node.js (\"$node --version\" printed \"$version\"); Node.js >= $NODE_MIN is required." >&2
    exit 1
    ;;
esac
if [ "$major" -lt "$NODE_MIN" ]; then
  echo "knocker-agent: $node is Node.js $version, too old: Node.js >= $NODE_MIN is required." >&2
  echo "  CentOS 7: install the nodejs 16 package (NodeSource or EPEL; see the README), or" >&2
  echo "  set KNOCKER_AGENT_NODE=/path/to/node (for the service: in /etc/sysconfig/knocker-agent)." >&2
  exit 1
fi

exec "$node" "$main" "$@"
