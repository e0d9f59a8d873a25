# The two commands a newcomer needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_DATA ?= $(BUILD_DIR)/demo-data

.PHONY: all deps configure build demo test bench crash-test fuzz package format clean

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-zpl-renderer.sh $(BUILD_DIR)/zpl-render
	@scripts/install-screens-deps.sh $(BUILD_DIR)/screens-node

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD_DIR) $(DEMO_DATA)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD_DIR)/bin/scan_bench
	$(BUILD_DIR)/bin/labels_bench
	$(BUILD_DIR)/bin/sync_bench
	$(BUILD_DIR)/bin/drivers_bench
	node tests/bench/screens_bench.mjs $(BUILD_DIR)

# The kill -9 harness at full length (make test runs it briefly).
crash-test: build
	$(BUILD_DIR)/bin/crash_harness --kills 200

# Each protocol parser's fuzz target for 10 minutes (make test runs them briefly); findings
# land in $(BUILD_DIR)/fuzz-artifacts.
fuzz: build
	@mkdir -p $(BUILD_DIR)/fuzz-artifacts
	for n in keyboard pos_scanner hid_scale mt_sics toledo host_status; do \
	  mkdir -p $(BUILD_DIR)/fuzz-corpus/$$n; \
	  $(BUILD_DIR)/bin/fuzz_$$n -max_total_time=600 -max_len=4096 \
	    -artifact_prefix=$(BUILD_DIR)/fuzz-artifacts/$$n- $(BUILD_DIR)/fuzz-corpus/$$n || exit 1; \
	done

package: build
	cd $(BUILD_DIR) && cpack -G DEB

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR)
