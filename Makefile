# vlmeter - build, run and test.
#
#   make run        install what is missing, build, run the demo evaluation
#   make test       build (plain and ASan+UBSan) and run every test
#   make fuzz       build the libFuzzer harnesses of tests/fuzz/ (clang; docs/fuzzing.md)
#   make mutants    plant the bugs of tests/mutants.txt one by one: each must fail its tests
#   make GPU=cuda   build against a CUDA llama.cpp (nvcc needed; tests need no GPU)
#   LLAMA_CPP_DIR=/prefix make   use an existing llama.cpp install
#
# llama.cpp is built once into ~/.cache/vlmeter (scripts/llama-cpp.sh) and reused.

GPU      ?= cpu
FLAVOR   := $(if $(filter cuda,$(GPU)),cuda,cpu)
BUILD    := build/$(FLAVOR)
PREFIX_FILE := $(BUILD)/llama-prefix
LLAMA    ?= $(shell cat $(PREFIX_FILE) 2>/dev/null)

CC       ?= cc
CXX      ?= c++
WARN     := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes
CFLAGS   ?= -O2 -g
LLAMA_BUILD = $(strip $(shell cat $(LLAMA)/VERSION $(LLAMA)/BUILD_FLAGS 2>/dev/null | tr '\n' ' '))
# The library is built position-independent with hidden visibility: only what
# include/vlmeter.h marks VLM_API is exported from libvlmeter.so.
LIB_FLAGS = -fPIC -fvisibility=hidden
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude -Ilib -I$(LLAMA)/include \
             -DVLM_LLAMA_BUILD='"$(LLAMA_BUILD)"' -DVLM_VOCAB_DIR='"$(LLAMA)/share/models"' \
             -DVLM_DATA_DIR='"$(CURDIR)/data"' \
             $(shell pkg-config --cflags pangocairo)
# lib/chat_tmpl.cpp, the one C++ file: a shim over llama.cpp's common library.
ALL_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter $(CFLAGS) -Ilib -isystem $(LLAMA)/include \
             -isystem $(LLAMA)/include/common -isystem $(LLAMA)/include/vendor
LDLIBS   = -L$(LLAMA)/lib -Wl,-rpath,$(LLAMA)/lib -Wl,-rpath-link,$(LLAMA)/cuda-stubs -lmtmd -lllama-common -lllama -lggml -lggml-base -lstdc++ \
           -lsqlite3 -ljansson -lyaml -lcurl -lmicrohttpd -lstb -ljpeg -lpng16 -lwebp -lxxhash -lm -lpthread $(shell pkg-config --libs pangocairo)
SAN      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(wildcard lib/*.c)
LIB_CXX  := $(wildcard lib/*.cpp)
LIB_HDR  := $(wildcard lib/*.h) include/vlmeter.h
LIB_OBJ  = $(patsubst lib/%.c,%.o,$(LIB_SRC)) $(patsubst lib/%.cpp,%.o,$(LIB_CXX))
TEST_SRC := $(wildcard tests/unit/test_*.c)
CLI_SRC  := $(wildcard src/*.c)

.PHONY: all deps bin run test check clean distclean mutants
all: deps
	@$(MAKE) --no-print-directory bin

# Debian packages (skipped when present), then llama.cpp (cached).
deps:
	@scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/llama-cpp.sh $(FLAVOR) > $(PREFIX_FILE).tmp
	@cmp -s $(PREFIX_FILE).tmp $(PREFIX_FILE) && rm $(PREFIX_FILE).tmp || mv $(PREFIX_FILE).tmp $(PREFIX_FILE)

bin: $(BUILD)/vlmeter $(BUILD)/asan/vlmeter $(BUILD)/libvlmeter.so $(BUILD)/faultproxy $(BUILD)/hubserver $(BUILD)/imageserver $(BUILD)/vlmserver $(BUILD)/metricsserver $(BUILD)/loadserver $(BUILD)/libfakenvml.so $(BUILD)/decide_sim \
     $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC)) \
     $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(TEST_SRC))

$(BUILD)/obj/%.o: lib/%.c $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_FLAGS) -c $< -o $@
$(BUILD)/asan/obj/%.o: lib/%.c $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_FLAGS) $(SAN) -c $< -o $@
$(BUILD)/obj/%.o: lib/%.cpp $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(CXX) $(ALL_CXXFLAGS) $(LIB_FLAGS) -fvisibility-inlines-hidden -c $< -o $@
$(BUILD)/asan/obj/%.o: lib/%.cpp $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(CXX) $(ALL_CXXFLAGS) $(LIB_FLAGS) -fvisibility-inlines-hidden $(SAN) -c $< -o $@

$(BUILD)/libvlmeter.a: $(addprefix $(BUILD)/obj/,$(LIB_OBJ))
	ar rcs $@ $^
$(BUILD)/asan/libvlmeter.a: $(addprefix $(BUILD)/asan/obj/,$(LIB_OBJ))
	ar rcs $@ $^
# The shared library: the same objects; `nm -D` lists only include/vlmeter.h's functions.
$(BUILD)/libvlmeter.so: $(addprefix $(BUILD)/obj/,$(LIB_OBJ)) lib/vlmeter.map
	$(CC) -shared -Wl,-soname,libvlmeter.so -Wl,--version-script,lib/vlmeter.map \
	      $(addprefix $(BUILD)/obj/,$(LIB_OBJ)) $(LDLIBS) -o $@

$(BUILD)/vlmeter: $(CLI_SRC) src/cli.h $(BUILD)/libvlmeter.a $(PREFIX_FILE)
	$(CC) $(ALL_CFLAGS) $(CLI_SRC) $(BUILD)/libvlmeter.a $(LDLIBS) -o $@
$(BUILD)/asan/vlmeter: $(CLI_SRC) src/cli.h $(BUILD)/asan/libvlmeter.a $(PREFIX_FILE)
	$(CC) $(ALL_CFLAGS) $(SAN) $(CLI_SRC) $(BUILD)/asan/libvlmeter.a $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvlmeter.a $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libvlmeter.a $(LDLIBS) -lcmocka -o $@
$(BUILD)/asan/tests/%: tests/unit/%.c $(BUILD)/asan/libvlmeter.a $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) $< $(BUILD)/asan/libvlmeter.a $(LDLIBS) -lcmocka -o $@

# A fault-injecting loopback HTTP proxy for the remote engine's tests.
$(BUILD)/faultproxy: tests/tools/faultproxy.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -o $@
# A loopback stand-in for the model hub, for the hf: models' tests (docs/hub.md).
$(BUILD)/hubserver: tests/tools/hubserver.c tests/tools/loopback.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -o $@
# A loopback images endpoint serving fixed pictures, for generate cases (docs/remote.md).
$(BUILD)/imageserver: tests/tools/imageserver.c tests/tools/loopback.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -o $@

# A loopback chat server with scripted usage that logs the images it received (docs/remote.md).
$(BUILD)/vlmserver: tests/tools/vlmserver.c tests/tools/loopback.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -ljansson -lstb -lm -o $@

# A loopback model server with a /metrics page, for the server-metrics tests (docs/metrics.md).
$(BUILD)/metricsserver: tests/tools/metricsserver.c tests/tools/loopback.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -o $@

# A loopback chat endpoint that slows down (and cuts answers) above a load, for bench's tests.
$(BUILD)/loadserver: tests/tools/loadserver.c tests/tools/loopback.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -lpthread -o $@

# A stand-in for NVIDIA's NVML with scripted readings ($$FAKE_NVML), for the GPU-sampling tests (docs/metrics.md).
$(BUILD)/libfakenvml.so: tests/tools/fakenvml.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -shared -fPIC $< -o $@

# An LD_PRELOAD shim that fails the store's writes or syncs on cue ($$FAULTFS_*), for the store's fault tests.
bin: $(BUILD)/libfaultfs.so
$(BUILD)/libfaultfs.so: tests/tools/faultfs.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -shared -fPIC $< -ldl -o $@

# The decide-early simulation (bench/decide.sh; docs/metrics.md, "Deciding early"): not run by `make test`.
$(BUILD)/decide_sim: bench/decide_sim.c $(BUILD)/libvlmeter.a lib/confseq.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libvlmeter.a $(LDLIBS) -o $@

# libFuzzer harnesses (docs/fuzzing.md): the library built again with clang,
# coverage-instrumented under ASan+UBSan, and one binary per tests/fuzz/fuzz_NAME.c.
# `make fuzz` builds them; `make test` runs each briefly (tests/run.sh), bench/fuzz.sh long.
FUZZ_CC   := clang
FUZZ_CXX  := clang++
FUZZ_SAN  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: fuzz
fuzz: $(FUZZ_BIN)
test: fuzz

$(BUILD)/fuzz/obj/%.o: lib/%.c $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CFLAGS) $(LIB_FLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz/obj/%.o: lib/%.cpp $(LIB_HDR) $(PREFIX_FILE)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(ALL_CXXFLAGS) $(LIB_FLAGS) -fvisibility-inlines-hidden $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	      -c $< -o $@
$(BUILD)/fuzz/libvlmeter.a: $(addprefix $(BUILD)/fuzz/obj/,$(LIB_OBJ))
	ar rcs $@ $^
# Linked by clang++: the C++ object's UBSan checks need the C++ runtime of the sanitizer.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(BUILD)/fuzz/libvlmeter.a
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@.o
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer $@.o $(BUILD)/fuzz/libvlmeter.a $(LDLIBS) -o $@
	@rm -f $@.o

$(PREFIX_FILE):
	@$(MAKE) --no-print-directory deps

# The main job: forge the demo models, run them on the built-in suite (resumable:
# a second `make run` only prints the stored summary).
run: all
	$(BUILD)/vlmeter demo --dir build/demo

test: all check
	tests/run.sh $(BUILD)

# Format drift and the architecture rules (scripts/check.sh, docs/style.md).
check: $(BUILD)/libvlmeter.so
	scripts/check.sh $(BUILD)

# Mutation testing of the tests (docs/mutants.md): each planted one-line bug of
# tests/mutants.txt, applied to a copy of the tree and built there (plain build,
# incrementally), must make the tests that cover it fail. Not part of `make test`.
mutants: bin
	scripts/mutants.sh $(BUILD)

clean:
	rm -rf build
distclean: clean
	rm -rf $${VLMETER_CACHE:-$$HOME/.cache/vlmeter}
