#!/usr/bin/env bash
# Install a sigsmith release binary for this machine, or build it from source when no binary
# fits (no release for the tag, an unlisted platform, no network to GitHub's release assets).
#
#   SIGSMITH_VERSION  release tag, e.g. v0.1.0 (required; a branch or commit builds from source)
#   SIGSMITH_REPO     owner/name of the GitHub repository (default: sigsmith/sigsmith)
#   SIGSMITH_BIN_DIR  where the binary goes (default: $HOME/.local/bin)
#   SIGSMITH_DRY_RUN  when set, print what would be downloaded and exit
#
# Used by action.yml. The archive names match .github/workflows/release.yml and [package.metadata.binstall] in
# Cargo.toml: sigsmith-<tag>-<target>.tar.gz (.zip on Windows), holding
# sigsmith-<tag>-<target>/sigsmith[.exe].
set -euo pipefail

version="${SIGSMITH_VERSION:?set SIGSMITH_VERSION to a release tag such as v0.1.0}"
repo="${SIGSMITH_REPO:-sigsmith/sigsmith}"
bin_dir="${SIGSMITH_BIN_DIR:-$HOME/.local/bin}"

target=""
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) target=x86_64-pc-windows-msvc ;;
esac

ext=tar.gz exe=""
if [ "$target" = x86_64-pc-windows-msvc ]; then ext=zip exe=.exe; fi
name="sigsmith-${version}-${target}"
url="https://github.com/${repo}/releases/download/${version}/${name}.${ext}"

if [ -n "${SIGSMITH_DRY_RUN:-}" ]; then
  echo "target=${target:-none}"
  echo "url=${url}"
  exit 0
fi

mkdir -p "$bin_dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -n "$target" ] && curl -fsSL --retry 3 -o "$tmp/archive.$ext" "$url"; then
  if [ "$ext" = tar.gz ]; then
    tar -xzf "$tmp/archive.$ext" -C "$tmp"
  elif command -v unzip >/dev/null; then
    unzip -q "$tmp/archive.$ext" -d "$tmp"
  else
    7z x -y -o"$tmp" "$tmp/archive.$ext" >/dev/null
  fi
  install -m 755 "$tmp/$name/sigsmith$exe" "$bin_dir/sigsmith$exe"
  echo "installed sigsmith $version ($target) from the release into $bin_dir"
else
  echo "no release binary for ${target:-this platform} at ${url}; building from source" >&2
  case "$version" in
    v[0-9]*) ref=(--tag "$version") ;;
    *) ref=(--rev "$version") ;;
  esac
  cargo install --locked --root "$tmp/root" --git "https://github.com/${repo}" "${ref[@]}" sigsmith
  install -m 755 "$tmp/root/bin/sigsmith$exe" "$bin_dir/sigsmith$exe"
  echo "built sigsmith $version from source into $bin_dir"
fi
if [ -n "${GITHUB_PATH:-}" ]; then echo "$bin_dir" >>"$GITHUB_PATH"; fi
