#!/usr/bin/env bash
# Builds the Sluice image without Docker — the image the Dockerfile describes — from Debian tools:
# debootstrap (the base root filesystem, cached by version), umoci (layers, config) and skopeo
# (archives). Layers, each cached by what it is made of:
#   1. base   Debian $BASE_SUITE minbase + $BASE_PACKAGES, the sluice user (10001), /var/lib/sluice
#   2. node   /usr/local/bin/node from the `node` npm package (Node 24, the official linux-x64 build)
#   3. deps   /app/node_modules: `npm ci --omit=dev` (production dependencies only)
#   4. app    /app: the files the CLI loads (app-files.ts) and the bundled entrypoint
#             /app/cli/sluice.mjs with its chunks (bundle.ts, docs/adr/0037), keyed by content
# A source change rebuilds only layer 4 (about a second).
#
#   build-image.sh product      writes .cache/image/sluice.oci.tar (oci-archive) and prints its size
#   build-image.sh e2e DIR      also the e2e's test images, as docker-archives in DIR:
#                               pause (sandbox), stores (Redis and PostgreSQL from this machine's
#                               Debian packages), fakes (product image + the fake RAG app)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
. "$root/test/harness/versions.sh"
mode="${1:-product}"
cache="$SLUICE_CACHE_DIR/image"
layout="$cache/oci"
mkdir -p "$cache"
for tool in umoci skopeo debootstrap; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool is missing (make deps installs it: apt-get install umoci skopeo debootstrap)" >&2; exit 1; }
done
log() { echo "build-image: $*" >&2; }
elapsed() { echo "$(( $(date +%s%N) / 1000000 - $1 ))"; }
now_ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
sha() { sha256sum | cut -c1-16; }
# Deterministic layer tarballs: fixed owner, mtime and order, so equal inputs give equal digests.
pack() { # out dir [paths...]
  local out="$1" dir="$2"; shift 2
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$dir" -cf "$out.tmp" "${@:-.}"
  mv "$out.tmp" "$out"
}
[[ -f "$layout/index.json" ]] || umoci init --layout "$layout"
# (grep without -q: it must read all of umoci's output, or pipefail sees umoci's SIGPIPE.)
has_tag() { umoci ls --layout "$layout" | grep -x "$1" >/dev/null; }

# --- 1. base root filesystem
base_key="debian-$BASE_SUITE-minbase-${BASE_PACKAGES//,/-}-r$BASE_REVISION"
base_tar="$cache/rootfs-$base_key.tar"
if [[ ! -f "$base_tar" ]]; then
  t0=$(now_ms)
  log "debootstrap $BASE_SUITE (first run only, about 1-2 minutes)"
  work="$(mktemp -d "$cache/rootfs.XXXXXX")"
  # debootstrap mounts /proc and /sys in the target while it installs: an interrupted run must
  # not leave them (or a half root filesystem) behind.
  trap 'awk -v w="$work" '"'"'index($5, w) == 1 { print $5 }'"'"' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l; rm -rf --one-file-system "$work"' EXIT
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  r="$work/rootfs"
  # What debian:*-slim leaves out: package caches, lists, docs, man pages, locales.
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/usr/share/doc/* "$r"/usr/share/man/* \
    "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/var/log/* "$r"/var/cache/debconf/*-old "$r"/dev/*
  echo 'sluice:x:10001:' >>"$r/etc/group"
  echo 'sluice:x:10001:10001:sluice:/var/lib/sluice:/usr/sbin/nologin' >>"$r/etc/passwd"
  echo 'sluice:!:1::::::' >>"$r/etc/shadow"
  install -d -o 10001 -g 10001 "$r/var/lib/sluice"
  install -d "$r/app"
  chroot "$r" dpkg-query -W -f '${Package} ${Version}\n' >"$cache/rootfs-$base_key.packages"
  pack "$base_tar" "$r"
  rm -rf "$work"
  trap - EXIT
  log "base $base_key: $(du -m "$base_tar" | cut -f1) MB in $(elapsed "$t0") ms"
fi

# --- 2. node
node_bin="$(readlink -f "$root/node_modules/node/bin/node")"
[[ -x "$node_bin" ]] || { echo "build-image: node_modules/node/bin/node is missing: run make node-deps" >&2; exit 1; }
node_version="$("$node_bin" --version)"
node_tar="$cache/layer-node-$node_version.tar"
if [[ ! -f "$node_tar" ]]; then
  work="$(mktemp -d "$cache/node.XXXXXX")"
  install -D -m 0755 "$node_bin" "$work/usr/local/bin/node"
  pack "$node_tar" "$work" usr
  rm -rf "$work"
fi

# --- 3. production dependencies, from the lock file (offline when npm's cache has them)
deps_key="$(cat "$root/package.json" "$root/package-lock.json" | sha)"
deps_tar="$cache/layer-deps-$deps_key.tar"
if [[ ! -f "$deps_tar" ]]; then
  t0=$(now_ms)
  work="$(mktemp -d "$cache/deps.XXXXXX")"
  mkdir -p "$work/app"
  cp "$root/package.json" "$root/package-lock.json" "$work/app/"
  (cd "$work/app" && PATH="$(dirname "$node_bin"):$PATH" npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2)
  rm -f "$work/app/package.json" "$work/app/package-lock.json" "$work/app/node_modules/.package-lock.json"
  pack "$deps_tar" "$work" app
  rm -rf "$work"
  log "deps $deps_key: $(du -m "$deps_tar" | cut -f1) MB in $(elapsed "$t0") ms"
fi

# --- 4. the app: the files the CLI loads
app_layer() { # name bundle-dir|- entries... → prints the layer tar path
  local name="$1" bundled="$2"; shift 2
  local files key out work extra=""
  files="$(cd "$root" && "$node_bin" test/harness/image/app-files.ts "${@/#/--entry=}")"
  # The bundle: the entry, its chunks and their source maps (read only with --enable-source-maps).
  [[ $bundled == - ]] || extra="$(cd "$bundled" && find cli -name '*.mjs' -o -name '*.mjs.map' | sort)"
  key="$(cd "$root" && { echo "$files"; echo "$files" | xargs cat; } | sha)-$(
    [[ -z $extra ]] && echo none || (cd "$bundled" && echo "$extra" | xargs cat | sha))"
  out="$cache/layer-$name-$key.tar"
  if [[ ! -f "$out" ]]; then
    work="$(mktemp -d "$cache/$name.XXXXXX")"
    (cd "$root" && echo "$files" | xargs -I{} install -D -m 0644 {} "$work/app/{}")
    [[ -z $extra ]] || (cd "$bundled" && echo "$extra" | xargs -I{} install -D -m 0644 {} "$work/app/{}")
    pack "$out" "$work" app
    rm -rf "$work"
  fi
  echo "$out"
}

# Builds (once per key) an image tag from a base tag and layer tarballs.
image() { # tag from-tag layers...
  local tag="$1" from="$2"; shift 2
  if has_tag "$tag"; then return; fi
  local t0 current="$from" i=0
  t0=$(now_ms)
  for layer in "$@"; do
    i=$((i + 1))
    umoci raw add-layer --image "$layout:$current" --tag "$tag.part$i" --history.created_by "$(basename "$layer")" "$layer"
    [[ $current == "$from" ]] || umoci rm --image "$layout:$current"
    current="$tag.part$i"
  done
  umoci tag --image "$layout:$current" "$tag"
  [[ $current == "$from" ]] || umoci rm --image "$layout:$current"
  log "image $tag in $(elapsed "$t0") ms"
}
blank() { # tag: an empty image with the common config
  has_tag "$1" && return 0
  umoci new --image "$layout:$1"
}

product_config() { # tag
  umoci config --image "$layout:$1" --no-history \
    --config.user 10001:10001 --config.workingdir /app \
    --config.env NODE_ENV=production --config.env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.entrypoint node --config.entrypoint /app/cli/sluice.mjs --config.cmd --help \
    --config.exposedports 8080/tcp --config.exposedports 8081/tcp --config.exposedports 8082/tcp \
    --config.exposedports 9090/tcp --config.exposedports 9091/tcp --config.exposedports 9443/tcp \
    --config.label org.opencontainers.image.title=sluice \
    --config.label "org.opencontainers.image.version=$(cd "$root" && "$node_bin" -p 'require("./package.json").version')"
}

t_all=$(now_ms)
blank empty
# Image tags are keyed by their inputs and by this script (it holds the image configs).
script_key="$(sha <"$0")"
runtime_tag="runtime-$(echo "$script_key $base_key $node_version $deps_key" | sha)"
image "$runtime_tag" empty "$base_tar" "$node_tar" "$deps_tar"
bundle_dir="$root/.cache/bundle"
(cd "$root" && "$node_bin" test/harness/image/bundle.ts --out "$bundle_dir" >/dev/null)
app_tar="$(app_layer app "$bundle_dir" cli/sluice.ts)"
product_tag="sluice-$(echo "$runtime_tag $(basename "$app_tar")" | sha)"
if ! has_tag "$product_tag"; then
  image "$product_tag" "$runtime_tag" "$app_tar"
  product_config "$product_tag"
fi

version="$(cd "$root" && "$node_bin" -p 'require("./package.json").version')"
out="$root/.cache/image"
mkdir -p "$out"
export_archive() { # transport-prefix tag file ref
  local file="$3"
  if [[ -f "$file" && "$(cat "$file.key" 2>/dev/null)" == "$2" ]]; then return; fi
  rm -f "$file"
  skopeo copy --quiet "oci:$layout:$2" "$1:$file${4:+:$4}" >&2
  echo "$2" >"$file.key"
}

# One OCI archive holding several images under full names (io.containerd.image.name), each
# blob once: `ctr images import` reads it in one pass. Blobs are hard links into the layout.
bundle() { # out name=tag...
  local out="$1" key staging index="[]" pair name tag desc digest
  shift
  key="$(for pair in "$@"; do echo "$pair $(jq -c --arg t "${pair#*=}" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$layout/index.json")"; done | sha)"
  if [[ -f "$out" && "$(cat "$out.key" 2>/dev/null)" == "$key" ]]; then return; fi
  staging="$(mktemp -d "$cache/bundle.XXXXXX")"
  mkdir -p "$staging/blobs/sha256"
  for pair in "$@"; do
    name="${pair%%=*}" tag="${pair#*=}"
    desc="$(jq -c --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' "$layout/index.json")"
    digest="$(jq -r .digest <<<"$desc")"
    for blob in "$digest" $(jq -r '.config.digest, .layers[].digest' "$layout/blobs/sha256/${digest#sha256:}"); do
      ln -f "$layout/blobs/sha256/${blob#sha256:}" "$staging/blobs/sha256/${blob#sha256:}"
    done
    index="$(jq -c --argjson d "$desc" --arg n "$name" '. + [$d | .annotations = {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": ($n | split(":") | last)}]' <<<"$index")"
  done
  echo '{"imageLayoutVersion":"1.0.0"}' >"$staging/oci-layout"
  jq -n --argjson m "$index" '{schemaVersion: 2, manifests: $m}' >"$staging/index.json"
  tar -C "$staging" -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  echo "$key" >"$out.key"
  rm -rf "$staging"
}

case "$mode" in
  product)
    export_archive oci-archive "$product_tag" "$out/sluice.oci.tar" "sluice:$version"
    size_mb="$(du -m "$out/sluice.oci.tar" | cut -f1)"
    unpacked_mb="$(( ($(stat -c %s "$base_tar") + $(stat -c %s "$node_tar") + $(stat -c %s "$deps_tar") + $(stat -c %s "$app_tar")) / 1048576 ))"
    log "wrote $out/sluice.oci.tar ($size_mb MB compressed, $unpacked_mb MB unpacked) in $(elapsed "$t_all") ms"
    log "push it: skopeo copy oci-archive:$out/sluice.oci.tar docker://registry.example.com/sluice:$version"
    printf '{"image":"sluice:%s","archive_mb":%s,"unpacked_mb":%s,"build_ms":%s}\n' "$version" "$size_mb" "$unpacked_mb" "$(elapsed "$t_all")"
    ;;
  e2e)
    dest="${2:?build-image.sh e2e DIR}"
    mkdir -p "$dest"
    # pause: the pod sandbox, a static binary alone.
    pause_bin="$(bash "$root/test/harness/node/build-node.sh")/pause"
    pause_tar="$cache/layer-pause-$(sha <"$pause_bin").tar"
    if [[ ! -f "$pause_tar" ]]; then
      work="$(mktemp -d "$cache/pause.XXXXXX")"
      install -D -m 0755 "$pause_bin" "$work/pause"
      pack "$pause_tar" "$work" pause
      rm -rf "$work"
    fi
    pause_tag="pause-$(echo "$script_key $(basename "$pause_tar")" | sha)"
    if ! has_tag "$pause_tag"; then
      image "$pause_tag" empty "$pause_tar"
      umoci config --image "$layout:$pause_tag" --no-history --config.entrypoint /pause --config.user 65535:65535
    fi
    # stores: redis-server and PostgreSQL from this machine's Debian packages, with the
    # libraries they link that the base lacks, on the base root filesystem.
    stores_tar="$(bash "$here/stores-layer.sh" "$base_tar" "$cache")"
    stores_tag="stores-$(echo "$script_key $base_key $(basename "$stores_tar")" | sha)"
    if ! has_tag "$stores_tag"; then
      image "$stores_tag" empty "$base_tar" "$stores_tar"
      umoci config --image "$layout:$stores_tag" --no-history --config.user 10001:10001 \
        --config.env PATH=/usr/lib/postgresql/current/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    fi
    # fakes: the product image with the simulator's fake RAG app as entrypoint, for the app Deployment.
    fakes_tar="$(app_layer fakes - cli/noisy-neighbor/fakes/rag-app.ts)"
    fakes_tag="fakes-$(echo "$product_tag $(basename "$fakes_tar")" | sha)"
    if ! has_tag "$fakes_tag"; then
      image "$fakes_tag" "$product_tag" "$fakes_tar"
      umoci config --image "$layout:$fakes_tag" --no-history --clear=config.cmd \
        --config.entrypoint node --config.entrypoint /app/cli/noisy-neighbor/fakes/rag-app.ts
    fi
    bundle "$dest/images.oci.tar" "sluice.local/sluice:e2e=$product_tag" "sluice.local/pause:e2e=$pause_tag" \
      "sluice.local/stores:e2e=$stores_tag" "sluice.local/fakes:e2e=$fakes_tag"
    log "e2e images in $dest in $(elapsed "$t_all") ms"
    ;;
  *) echo "usage: build-image.sh product | e2e DIR" >&2; exit 2 ;;
esac
