#!/usr/bin/env bash
# Debian packages the tests need (run as root): the reference knockd/knock, the stock fwknop
# client and fwknopd (SPA interop), capture and packet tools. Safe to run again; apt only installs what is missing.
set -euo pipefail
PKGS=(knockd tcpdump hping3 tcpreplay iproute2 util-linux procps
      firewalld nftables dbus openssh-server openssh-client
      rpm systemd
      gnome-keyring libsecret-1-dev libsecret-tools g++ make
      chromium iputils-ping fonts-dejavu-core
      faketime
      fwknop-client fwknop-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "system packages ready: ${PKGS[*]}"
