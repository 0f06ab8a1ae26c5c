#!/usr/bin/env bash
# `npm run package:agent`: bundle knocker-agent into one CommonJS file for Node >= 16 (esbuild,
# no native addon) and package it as
#   OUT/knocker-agent-VERSION.tar.gz               the bundle, the launcher, the systemd unit and
#                                                  the other files of build/agent/, with install.sh
#   OUT/knocker-agent-VERSION-RELEASE.noarch.rpm   built from that tarball (gzip payload, so
#                                                  CentOS 7's rpm 4.11 reads it)
# OUT is dist/pkg/ (gitignored) unless --out DIR is given.
# Needs: node_modules (npm ci) and rpmbuild (Debian: apt-get install rpm).
# Environment: KNOCKER_AGENT_RELEASE (RPM release, default 1), SOURCE_DATE_EPOCH (file times).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/dist/pkg
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "package-agent: unknown option $1" >&2; exit 1 ;;
  esac
done

fail() { echo "package-agent: $*" >&2; exit 1; }
for tool in node tar gzip rpmbuild; do
  command -v "$tool" >/dev/null 2>&1 || case $tool in
    rpmbuild) fail "rpmbuild is missing: apt-get install -y rpm (Debian) or yum install rpm-build" ;;
    *) fail "$tool is missing" ;;
  esac
done
# esbuild's own binary when npm installed it, so this works whatever `node` is first in PATH
# (the tests run it from Node 16); else the npm shim.
case $(uname -m) in x86_64) esbuild_arch=x64 ;; aarch64) esbuild_arch=arm64 ;; *) esbuild_arch=$(uname -m) ;; esac
esbuild=$root/node_modules/@esbuild/linux-$esbuild_arch/bin/esbuild
[ -x "$esbuild" ] || esbuild=$root/node_modules/.bin/esbuild
[ -x "$esbuild" ] || fail "esbuild is missing: run npm ci at the repository root"

agent=$root/server-agent
files=$root/build/agent
version=$(node -p 'require(process.argv[1]).version' "$agent/package.json")
[[ $version =~ ^[0-9A-Za-z.+~-]+$ ]] || fail "unusable version in server-agent/package.json: $version"
rpm_version=${version//-/\~} # 1.0.0-beta.1 -> 1.0.0~beta.1 (rpm forbids '-' in versions)
release=${KNOCKER_AGENT_RELEASE:-1}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

# The JS entry that cli.ts expects: <pkg>/bin/knocker-agent requiring ../dist/src/cli.js (the
# daemon mode -d starts that same file again). The bundle takes dist/src/cli.js's place.
grep -q "require('../dist/src/cli.js')" "$agent/bin/knocker-agent" ||
  fail "server-agent/bin/knocker-agent no longer requires ../dist/src/cli.js: update the bundle layout here"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=knocker-agent-$version
stage=$work/$name
lib=$stage/lib/knocker-agent
mkdir -p "$stage/bin" "$lib/bin" "$lib/dist/src" "$stage/systemd" "$stage/logrotate" "$stage/sysconfig"

# Optional modules left out on purpose: usocket is a native addon (dbus-next falls back to a
# plain socket without it), x11 only finds desktop session buses. Each is replaced by a stub
# that throws "not installed", so the bundle is the same whether npm managed to build them.
left_out=(usocket x11)
aliases=()
for m in "${left_out[@]}"; do aliases+=("--alias:$m=$files/absent-module.js"); done

echo "package-agent: bundling server-agent/src/cli.ts (node16, cjs)"
"$esbuild" "$agent/src/cli.ts" \
  --bundle --platform=node --target=node16 --format=cjs "${aliases[@]}" \
  --outfile="$lib/dist/src/cli.js" --metafile="$work/meta.json" \
  --legal-comments=inline --log-level=warning \
  --banner:js="/* knocker-agent $version, bundled from server-agent/src by scripts/package-agent.sh */"

# Only Node's own modules may stay outside the bundle: no native addon, nothing to npm install.
node - "$work/meta.json" <<'JS'
const meta = require(process.argv[2]);
const builtin = new Set(require('module').builtinModules);
const bad = [];
for (const out of Object.values(meta.outputs)) {
  for (const imp of out.imports || []) {
    const name = imp.path.replace(/^node:/, '');
    if (!builtin.has(name)) bad.push(imp.path);
  }
}
for (const input of Object.keys(meta.inputs)) if (/\.node$/.test(input)) bad.push(input);
if (bad.length) {
  console.error('package-agent: the bundle needs modules it cannot carry: ' + [...new Set(bad)].join(', '));
  process.exit(1);
}
JS

cp "$agent/bin/knocker-agent" "$lib/bin/knocker-agent"
chmod 0644 "$lib/bin/knocker-agent" "$lib/dist/src/cli.js"
node -e '
  const [file, version] = process.argv.slice(1);
  const pkg = { name: "knocker-agent", version, private: true, type: "commonjs", engines: { node: ">=16" } };
  require("fs").writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$lib/package.json" "$version"

install -m 0755 "$files/knocker-agent.sh" "$stage/bin/knocker-agent"
install -m 0755 "$files/install.sh" "$stage/install.sh"
install -m 0644 "$files/knocker-agent.service" "$stage/systemd/knocker-agent.service"
install -m 0644 "$files/knocker-agent.logrotate" "$stage/logrotate/knocker-agent"
install -m 0644 "$files/knocker-agent.sysconfig" "$stage/sysconfig/knocker-agent"
install -m 0644 "$files/knockd.conf" "$stage/knockd.conf.sample"
install -m 0644 "$root/README.md" "$stage/README.md"

mkdir -p "$out"
tarball=$out/$name.tar.gz
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -cf - "$name" | gzip -9n >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "package-agent: $tarball"

echo "package-agent: rpmbuild (log: $out/rpmbuild.log)"
top=$work/rpmbuild
mkdir -p "$top/SOURCES" "$work/rpmdb" "$work/tmp"
cp "$tarball" "$top/SOURCES/knocker-agent-$rpm_version.tar.gz"
if [ "$rpm_version" != "$version" ]; then # the tarball's folder must match %setup's name
  rm -rf "$work/knocker-agent-$rpm_version" && mv "$stage" "$work/knocker-agent-$rpm_version"
  tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -cf - "knocker-agent-$rpm_version" | gzip -9n >"$top/SOURCES/knocker-agent-$rpm_version.tar.gz"
fi
if ! rpmbuild -bb \
  --define "_topdir $top" --define "_dbpath $work/rpmdb" --define "_tmppath $work/tmp" \
  --define "_binary_payload w9.gzdio" \
  --define "agent_version $rpm_version" --define "agent_release $release" \
  "$files/knocker-agent.spec" >"$out/rpmbuild.log" 2>&1; then
  tail -n 30 "$out/rpmbuild.log" >&2
  fail "rpmbuild failed (full log: $out/rpmbuild.log)"
fi
rpms=("$top"/RPMS/noarch/knocker-agent-*.noarch.rpm)
[ -f "${rpms[0]}" ] || fail "rpmbuild made no noarch RPM (log: $out/rpmbuild.log)"
cp "${rpms[@]}" "$out/"
for r in "${rpms[@]}"; do echo "package-agent: $out/$(basename "$r")"; done
