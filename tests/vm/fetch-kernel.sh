#!/usr/bin/env bash
# Fetch a Debian kernel (vmlinuz + the vfio modules) for the test VM.
# Usage: fetch-kernel.sh SUITE OUTDIR    (SUITE: bookworm | trixie | sid)
# Writes OUTDIR/vmlinuz, OUTDIR/modules/*.ko (decompressed, in load order in
# OUTDIR/modules.order) and OUTDIR/version. Re-running with OUTDIR filled is a no-op.
# A private apt configuration is used so the system's sources stay untouched;
# the mirror is the one this machine's apt already uses.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

suite=${1:?usage: fetch-kernel.sh SUITE OUTDIR}
out=${2:?usage: fetch-kernel.sh SUITE OUTDIR}
[ -s "$out/vmlinuz" ] && [ -s "$out/modules.order" ] && exit 0

die() { echo "fetch-kernel: $*" >&2; exit 1; }

mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+)[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    sed -E 's/^(URIs:|deb)[[:space:]]*//; s/[[:space:]]*$//' | head -n1 || true)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*; add one or set up apt first"

work=$(mktemp -d "${TMPDIR:-/tmp}/cfgfilter-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
echo "deb $mirror $suite main" > "$work/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache"
          -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q)
apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update for suite $suite failed"

# The metapackage depends on the versioned image package (sid: linux-binary-* + linux-modules-*).
deps=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 | awk '/Depends:/ {print $2}' | grep -E '^linux-(image|binary|modules)-[0-9]' || true)
[ -n "$deps" ] || die "suite $suite: linux-image-amd64 names no kernel package"
more=""
for d in $deps; do
    more="$more $(apt-cache "${apt_opts[@]}" depends "$d" | awk '/Depends:/ {print $2}' | grep -E '^linux-(modules|binary)-[0-9]' || true)"
done
(cd "$work/deb" && apt-get "${apt_opts[@]}" download $deps $more >/dev/null) || die "download of $deps failed"

mkdir -p "$work/root"
for f in "$work"/deb/*.deb; do dpkg-deb -x "$f" "$work/root"; done
# boot/vmlinuz-VER (bookworm, trixie) or usr/lib/modules/VER/vmlinuz (sid)
vmlinuz=$(find "$work/root" \( -name 'vmlinuz-*' -o -path '*/modules/*/vmlinuz' \) -type f | head -n1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $deps $more"
case $vmlinuz in
*/vmlinuz-*) ver=${vmlinuz##*/vmlinuz-} ;;
*) ver=$(basename "$(dirname "$vmlinuz")") ;;
esac
moddir=$(find "$work/root" -type d -path "*/modules/$ver" | head -n1)
[ -n "$moddir" ] || die "no modules directory for $ver"

# Only what depmod needs to order the vfio modules.
depdir="$work/dep/lib/modules/$ver"
mkdir -p "$depdir"
(cd "$moddir" && find kernel -path '*drivers/vfio/*' -o -path '*virt/lib/*' | cpio -pdm --quiet "$depdir")
cp "$moddir"/modules.builtin* "$moddir"/modules.order "$depdir"/ 2>/dev/null || true
# sid's module package ships no modules.builtin*; vfio is never built in
touch "$depdir/modules.builtin" "$depdir/modules.builtin.modinfo"
depmod -b "$work/dep" "$ver"
order=$(modprobe -d "$work/dep" -S "$ver" --show-depends vfio-pci | awk '$1=="insmod" && !seen[$2]++ {print $2}')
[ -n "$order" ] || die "modprobe could not order vfio-pci for $ver"

tmp="$out.tmp"
rm -rf "$tmp"; mkdir -p "$tmp/modules"
cp "$vmlinuz" "$tmp/vmlinuz"
# The build configuration (preemption model, built-in LSMs), for the tests' records.
cfg=$(find "$work/root" \( -name "config-$ver" -o -path "*/modules/$ver/config" \) -type f | head -n1)
[ -z "$cfg" ] || cp "$cfg" "$tmp/config"
: > "$tmp/modules.order"
for m in $order; do
    base=${m##*/}
    case $base in
        *.ko.xz) xz -dc "$m" > "$tmp/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$m" > "$tmp/modules/${base%.zst}"; base=${base%.zst} ;;
        *.ko) cp "$m" "$tmp/modules/$base" ;;
    esac
    echo "$base" >> "$tmp/modules.order"
done
echo "$ver" > "$tmp/version"
rm -rf "$out"; mv "$tmp" "$out"
echo "fetch-kernel: $suite kernel $ver in $out"
