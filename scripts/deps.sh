#!/usr/bin/env bash
# Installs the Debian packages vlmeter builds and tests with, skipping any that
# are already present, so a second run costs nothing. (chromium: the HTML report
# test opens the report headless; chromium-driver: the review page's browser test
# drives it over WebDriver; clang-format: `make check`, version 14 on Debian 12;
# libmicrohttpd: the HTTP server of `vlmeter serve`; clang and libclang-rt-14-dev:
# the libFuzzer harnesses of `make fuzz`, the fuzzer runtime being only a
# Recommends of clang-14, which --no-install-recommends skips; libjpeg62-turbo,
# libpng, libwebp: the image decoders of lib/image.c, stb for resizing and
# writing PNGs.)
set -euo pipefail
PKGS="build-essential pkg-config cmake git openssl ca-certificates
libsqlite3-dev libjansson-dev libyaml-dev libcurl4-openssl-dev libstb-dev
libjpeg62-turbo-dev libpng-dev libwebp-dev libxxhash-dev libcmocka-dev sqlite3 jq chromium chromium-driver clang-format
libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-noto-cjk
libmicrohttpd-dev clang libclang-rt-14-dev"
missing=()
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm may come from outside Debian (a Node.js install); only add Debian's when absent.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
