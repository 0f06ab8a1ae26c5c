#!/bin/sh
# Installs knocker-agent from this tarball, for systemd distributions without the RPM
# (on CentOS/RHEL use the RPM instead). Run as root from the unpacked folder:
#
#   sh install.sh [--prefix DIR] [--destdir DIR] [--no-systemd]
#   sh install.sh --uninstall [--prefix DIR] [--destdir DIR] [--no-systemd]
#
#   --prefix DIR   where bin/ and lib/ go (default /usr/local)
#   --destdir DIR  stage everything under DIR instead of / (for packagers; implies --no-systemd)
#   --no-systemd   do not call systemctl
#
# It enables and starts nothing. An existing /etc/knockd.conf, sysconfig/default file and
# logrotate file are never overwritten. If the agent is running, it is restarted only when
# the new version accepts /etc/knockd.conf.
set -eu

prefix=/usr/local
destdir=
use_systemd=yes
action=install
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) destdir=${2:?--destdir needs a folder}; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --no-systemd) use_systemd=no; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option: $1 (see sh install.sh --help)" >&2; exit 1 ;;
  esac
done
case $prefix in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 1 ;; esac
[ -z "$destdir" ] || use_systemd=no
if [ -z "$destdir" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or use --destdir)" >&2
  exit 1
fi
if [ "$use_systemd" = yes ] && { ! command -v systemctl >/dev/null 2>&1 || [ ! -d /run/systemd/system ]; }; then
  echo "install.sh: systemd is not running here; installing without calling systemctl" >&2
  use_systemd=no
fi

here=$(cd "$(dirname -- "$0")" && pwd)
bin=$destdir$prefix/bin/knocker-agent
lib=$destdir$prefix/lib/knocker-agent
unit=$destdir/etc/systemd/system/knocker-agent.service
logrotate=$destdir/etc/logrotate.d/knocker-agent
sample_dir=$destdir/etc/knocker-agent
state=$destdir/var/lib/knocker-agent
# Red Hat family: /etc/sysconfig; Debian family: /etc/default.
if [ -d /etc/sysconfig ]; then envdir=/etc/sysconfig; else envdir=/etc/default; fi
envfile=$destdir$envdir/knocker-agent

if [ "$action" = uninstall ]; then
  if [ "$use_systemd" = yes ]; then
    systemctl --no-reload disable knocker-agent.service >/dev/null 2>&1 || :
    systemctl stop knocker-agent.service >/dev/null 2>&1 || :
  fi
  rm -f "$bin" "$unit"
  rm -rf "$lib"
  [ "$use_systemd" = no ] || systemctl daemon-reload
  echo "knocker-agent removed. Kept: /etc/knockd.conf, $envdir/knocker-agent, /etc/knocker-agent,"
  echo "/etc/logrotate.d/knocker-agent and /var/lib/knocker-agent (delete them by hand if unwanted)."
  exit 0
fi

for f in bin/knocker-agent lib/knocker-agent/bin/knocker-agent systemd/knocker-agent.service \
  logrotate/knocker-agent sysconfig/knocker-agent knockd.conf.sample; do
  [ -e "$here/$f" ] || { echo "install.sh: $here/$f is missing: run it from the unpacked tarball" >&2; exit 1; }
done

was_active=no
if [ "$use_systemd" = yes ] && systemctl is-active --quiet knocker-agent.service; then was_active=yes; fi

# Program: the launcher and the bundle (the old bundle is replaced whole).
mkdir -p "$destdir$prefix/bin" "$destdir$prefix/lib"
rm -rf "$lib.new"
cp -R "$here/lib/knocker-agent" "$lib.new"
rm -rf "$lib"
mv "$lib.new" "$lib"
cp "$here/bin/knocker-agent" "$bin.new"
chmod 0755 "$bin.new"
mv "$bin.new" "$bin"

# Unit: same as the RPM's, with this prefix and environment file.
mkdir -p "$(dirname -- "$unit")"
sed -e "s#/usr/bin/knocker-agent#$prefix/bin/knocker-agent#g" \
  -e "s#/etc/sysconfig/knocker-agent#$envdir/knocker-agent#g" \
  "$here/systemd/knocker-agent.service" >"$unit"
chmod 0644 "$unit"

# Configuration files: created when missing, never overwritten.
install_new() { # source, target
  if [ -e "$2" ]; then
    echo "kept $2 (the new version is $1)"
  else
    mkdir -p "$(dirname -- "$2")"
    cp "$1" "$2"
    chmod 0644 "$2"
  fi
}
install_new "$here/sysconfig/knocker-agent" "$envfile"
if [ -d "$destdir/etc/logrotate.d" ] || [ -n "$destdir" ]; then
  install_new "$here/logrotate/knocker-agent" "$logrotate"
fi
mkdir -p "$sample_dir"
cp "$here/knockd.conf.sample" "$sample_dir/knockd.conf.sample"
chmod 0644 "$sample_dir/knockd.conf.sample"
mkdir -p "$state"
chmod 0700 "$state"

if [ "$use_systemd" = yes ]; then
  systemctl daemon-reload
  if [ "$was_active" = yes ]; then
    if "$bin" --check -c /etc/knockd.conf >/dev/null 2>&1; then
      systemctl restart knocker-agent.service
      echo "knocker-agent restarted with the new version."
    else
      echo "The new version rejects /etc/knockd.conf; the running agent was NOT restarted." >&2
      echo "See: $prefix/bin/knocker-agent --check -c /etc/knockd.conf" >&2
    fi
  fi
fi

echo "knocker-agent installed: $prefix/bin/knocker-agent, $prefix/lib/knocker-agent, /etc/systemd/system/knocker-agent.service"
if [ "$was_active" = no ]; then
  echo "Next: put your config in /etc/knockd.conf (sample: /etc/knocker-agent/knockd.conf.sample),"
  echo "check it with: $prefix/bin/knocker-agent --check -c /etc/knockd.conf"
  echo "then: systemctl enable knocker-agent; systemctl start knocker-agent   (this stops knockd.service if it runs)"
fi
