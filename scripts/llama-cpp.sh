#!/usr/bin/env bash
# Builds llama.cpp (ggml, libllama, libmtmd and the reference tools) once into a
# versioned cache outside the checkout, and prints the install prefix.
#
# Source: the npm registry package node-llama-cpp, whose tarball carries a git
# bundle of llama.cpp (llama/gitRelease.bundle). The tarball's sha512 integrity is
# pinned below and checked before anything is unpacked.
#
# Usage: scripts/llama-cpp.sh [cpu|cuda]   (prints the prefix on stdout)
# Env:   LLAMA_CPP_DIR   use this existing install instead (must hold include/llama.h)
#        CUDA_ARCH       CUDA architectures for the cuda flavor (default 90: H100/H200)
#        VLMETER_CACHE   cache root (default: ~/.cache/vlmeter)
set -euo pipefail

NLC_VERSION=3.22.1
NLC_INTEGRITY='sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw=='
FLAVOR=${1:-cpu}
# common: llama.cpp's chat-template and reasoning machinery (chat.h, jinja/), linked
# into vlmeter through lib/chat_shim.cpp so prompts match llama.cpp's own tools.
# ggml-rpc-server: llama.cpp's rpc-server, for models spread over machines (rpc=).
# llama-batched-bench, llama-tokenize: bench/speed.sh's lower bound (decode rate, prompt tokens).
TOOLS="llama-mtmd-cli llama-server llama-bench llama-quantize ggml-rpc-server llama-batched-bench llama-tokenize"
TARGETS="llama mtmd common $TOOLS"

log() { echo "llama-cpp: $*" >&2; }

if [ -n "${LLAMA_CPP_DIR:-}" ]; then
  if [ ! -f "$LLAMA_CPP_DIR/include/llama.h" ]; then
    log "LLAMA_CPP_DIR=$LLAMA_CPP_DIR has no include/llama.h"; exit 1
  fi
  echo "$LLAMA_CPP_DIR"; exit 0
fi

# CPU features: on x86 the ones /proc/cpuinfo lists, named one by one instead of
# -march=native, so that AMX stays off. Sandboxed kernels (this workplace's
# among them) grant the AMX permission request yet trap on tile instructions,
# which kills every quantized matrix product with SIGILL. Elsewhere: native.
cpu_flags() {
  if [ "$(uname -m)" != x86_64 ] || [ ! -r /proc/cpuinfo ]; then echo "-DGGML_NATIVE=ON"; return; fi
  local have out="-DGGML_NATIVE=OFF" f
  have=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for f in sse4_2:SSE42 avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI avx512f:AVX512 \
           avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
    [[ "$have" == *" ${f%%:*} "* ]] && out="$out -DGGML_${f##*:}=ON" || out="$out -DGGML_${f##*:}=OFF"
  done
  echo "$out -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
}
CPU_FLAGS=$(cpu_flags)

CACHE=${VLMETER_CACHE:-$HOME/.cache/vlmeter}
# The folder is named by the flags too: other flags, another build.
FLAGS_ID=$(echo "$FLAVOR ${CUDA_ARCH:-90} $CPU_FLAGS $TARGETS" | sha1sum | cut -c1-8)
PREFIX=$CACHE/llama.cpp-$NLC_VERSION-$FLAVOR-$FLAGS_ID
if [ -f "$PREFIX/.complete" ]; then echo "$PREFIX"; exit 0; fi

case "$FLAVOR" in
  cpu)  GPU_FLAGS="-DGGML_CUDA=OFF" ;;
  cuda) # One GPU generation keeps the build short; CUDA_ARCH=89, "80;90", ... to change.
        GPU_FLAGS="-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCH:-90}"
        command -v nvcc >/dev/null || export PATH=$PATH:/usr/local/cuda/bin
        command -v nvcc >/dev/null || { log "GPU=cuda needs nvcc (CUDA toolkit) on PATH"; exit 1; } ;;
  *)    log "unknown flavor '$FLAVOR' (cpu or cuda)"; exit 1 ;;
esac

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-$FLAVOR"
flock 9
if [ -f "$PREFIX/.complete" ]; then echo "$PREFIX"; exit 0; fi

WORK=$CACHE/work-$NLC_VERSION

# Without a GPU driver (a build machine), link against the toolkit's libcuda stub;
# the real libcuda.so.1 is found at run time on a GPU machine.
if [ "$FLAVOR" = cuda ] && ! ldconfig -p | grep -q 'libcuda.so.1 '; then
  STUBS=$CACHE/llama.cpp-$NLC_VERSION-cuda-stubs
  mkdir -p "$STUBS"
  stub=$(dirname "$(command -v nvcc)")/../lib64/stubs/libcuda.so
  [ -f "$stub" ] || { log "no libcuda.so.1 and no CUDA stub at $stub"; exit 1; }
  ln -sf "$(readlink -f "$stub")" "$STUBS/libcuda.so.1"
  GPU_FLAGS="$GPU_FLAGS -DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$STUBS"
fi
TGZ=$CACHE/node-llama-cpp-$NLC_VERSION.tgz
mkdir -p "$WORK"
if [ ! -f "$TGZ" ]; then
  log "fetching node-llama-cpp@$NLC_VERSION from the npm registry"
  (cd "$WORK" && npm pack "node-llama-cpp@$NLC_VERSION" --silent >/dev/null)
  mv "$WORK/node-llama-cpp-$NLC_VERSION.tgz" "$TGZ"
fi
got="sha512-$(openssl dgst -sha512 -binary "$TGZ" | base64 -w0)"
if [ "$got" != "$NLC_INTEGRITY" ]; then
  log "integrity mismatch for $TGZ: got $got, want $NLC_INTEGRITY"; rm -f "$TGZ"; exit 1
fi

SRC=$WORK/llama.cpp
if [ ! -f "$SRC/CMakeLists.txt" ]; then
  log "unpacking the llama.cpp git bundle"
  rm -rf "$SRC" "$WORK/package"
  tar -xzf "$TGZ" -C "$WORK" package/llama/gitRelease.bundle
  git clone -q "$WORK/package/llama/gitRelease.bundle" "$SRC"
  rm -rf "$WORK/package"
fi

BUILD=$WORK/build-$FLAVOR
log "building llama.cpp ($FLAVOR) into $PREFIX; this takes several minutes"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=ON -DGGML_RPC=ON \
  $CPU_FLAGS $GPU_FLAGS -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_RPATH="$PREFIX/lib" >&2
cmake --build "$BUILD" -j"$(nproc)" --target $TARGETS >&2

# Install by hand: only the built targets exist, so `cmake --install` would fail.
rm -rf "$PREFIX"; mkdir -p "$PREFIX/include" "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share"
cp "$SRC"/include/llama.h "$SRC"/include/llama-cpp.h "$PREFIX/include/"
cp "$SRC"/ggml/include/*.h "$PREFIX/include/"
cp "$SRC"/tools/mtmd/mtmd.h "$SRC"/tools/mtmd/mtmd-helper.h "$PREFIX/include/"
find "$BUILD" -name '*.so*' \( -type f -o -type l \) -exec cp -a {} "$PREFIX/lib/" \;
# The common library is static; its headers (chat.h, jinja/) and the vendored
# headers they include go under include/common and include/vendor.
find "$BUILD" -name '*.a' -exec cp -a {} "$PREFIX/lib/" \;
(cd "$SRC" && find common vendor \( -name '*.h' -o -name '*.hpp' \) | while read -r f; do
   mkdir -p "$PREFIX/include/$(dirname "$f")"; cp "$f" "$PREFIX/include/$f"; done)
for t in $TOOLS; do
  cp "$BUILD/bin/$t" "$PREFIX/bin/"
done
cp -r "$SRC/models" "$PREFIX/share/models"
(cd "$SRC" && git describe --tags --always 2>/dev/null || echo unknown) > "$PREFIX/VERSION"
echo "flavor=$FLAVOR node-llama-cpp=$NLC_VERSION ${GPU_FLAGS%% -DCMAKE_EXE_LINKER_FLAGS*} $(echo "$CPU_FLAGS" | tr ' ' '\n' | grep '=ON' | sed 's/-DGGML_//; s/=ON//' | tr '\n' ' ')" > "$PREFIX/BUILD_FLAGS"
[ -n "${STUBS:-}" ] && ln -sfn "$STUBS" "$PREFIX/cuda-stubs"
touch "$PREFIX/.complete"
echo "$PREFIX"
