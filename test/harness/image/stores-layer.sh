#!/usr/bin/env bash
# The e2e's Redis and PostgreSQL image layer, from the Debian packages installed on this machine
# (make deps installs them): redis-server, PostgreSQL's server binaries, libraries and share
# files, plus every shared library they link that the base root filesystem lacks (found with
# ldd). Cached by the package versions. Prints the layer tarball's path.
#   stores-layer.sh BASE_ROOTFS_TAR CACHE_DIR
set -euo pipefail
base_tar="$1" cache="$2"
pg_dir="$(ls -d /usr/lib/postgresql/*/ | sort -V | tail -n 1)"; pg_dir="${pg_dir%/}"
pg_major="$(basename "$pg_dir")"
versions="$(dpkg-query -W -f '${Package}=${Version} ' redis-server redis-tools "postgresql-$pg_major" 2>/dev/null)" ||
  { echo "stores-layer: redis-server and postgresql must be installed (make deps)" >&2; exit 1; }
key="$( { echo "$versions"; basename "$base_tar"; cat "$0"; } | sha256sum | cut -c1-16)"
out="$cache/layer-stores-$key.tar"
if [[ -f "$out" ]]; then echo "$out"; exit 0; fi

work="$(mktemp -d "$cache/stores.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/layer"
tar -tf "$base_tar" | sed 's|^\./||' | sort -u >"$work/base-files"
files=(/usr/bin/redis-server "$pg_dir/bin/postgres" "$pg_dir/bin/initdb" "$pg_dir/bin/pg_ctl" "$pg_dir/bin/pg_isready")
copy() { # absolute path [tar options]: copied with its parent folders, symlinks kept
  tar -C / -cf - "${@:2}" "${1#/}" | tar -C "$work/layer" -xf -
}
# redis-server is a link to redis-check-rdb: both.
for f in "${files[@]}"; do
  copy "$f"
  if [[ -L "$f" ]]; then copy "$(readlink -f "$f")"; fi
done
# Without the JIT (llvmjit, its bitcode and the 100 MB LLVM library it links): off by default.
copy "$pg_dir/lib" --exclude=bitcode --exclude='llvmjit*'
copy "/usr/share/postgresql/$pg_major"
# Libraries: of the binaries and of the server's loadable modules (plpgsql etc.).
{
  for f in "${files[@]}" $(ls "$pg_dir"/lib/*.so | grep -v llvmjit); do ldd "$f" 2>/dev/null | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; done
} | sort -u | while read -r lib; do
  real="$(readlink -f "$lib")"
  for p in "$lib" "$real"; do
    rel="${p#/}"
    # usrmerge: /lib is /usr/lib in the base.
    grep -qxF "$rel" "$work/base-files" || grep -qxF "usr/$rel" "$work/base-files" || grep -qxF "${rel#usr/}" "$work/base-files" || copy "$p"
  done
done
# PostgreSQL with Debian's system tzdata reads /usr/share/zoneinfo.
grep -q '^usr/share/zoneinfo/UTC$' "$work/base-files" || copy /usr/share/zoneinfo
ln -s "$pg_dir" "$work/layer/usr/lib/postgresql/current"
# /lib is a symlink in the base (usrmerge): store library files under usr/lib only.
if [[ -d "$work/layer/lib" ]]; then cp -a "$work/layer/lib/." "$work/layer/usr/lib/" && rm -rf "$work/layer/lib"; fi
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$work/layer" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out"
