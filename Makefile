# Aeolus — build, test, demo, bench.
# Every target that needs system packages depends on `deps`, which installs them only if missing.

SWIFT        ?= swift
SWIFT_FLAGS  ?=
DEB_PACKAGES := libgit2-dev libbpf-dev libelf-dev zlib1g-dev libcurl4-openssl-dev libyaml-dev \
                libsnappy-dev pkg-config bpftool iproute2 iptables git openssl python3 \
                prometheus protobuf-compiler
ARGS         ?=

.PHONY: all deps build test demo bench clean proto

all: build

# Installs the Debian packages Aeolus needs, only those that are missing; `apt-get update` runs
# once, and only when something is missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)

demo: build
	$(SWIFT) run $(SWIFT_FLAGS) aeolus demo $(ARGS)

bench: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)
	$(SWIFT) run -c release $(SWIFT_FLAGS) aeolus-bench $(ARGS)

clean:
	rm -rf .build

# Regenerates the committed remote-write types from Sources/RemoteWrite/Proto (needs protoc from
# `make deps`; protoc-gen-swift is built from the swift-protobuf dependency).
proto: deps
	$(SWIFT) build -c release --product protoc-gen-swift $(SWIFT_FLAGS)
	protoc --plugin=protoc-gen-swift=$$($(SWIFT) build -c release --show-bin-path)/protoc-gen-swift \
	  --swift_opt=Visibility=Public --swift_out=Sources/RemoteWrite/Generated \
	  -ISources/RemoteWrite/Proto Sources/RemoteWrite/Proto/remote_write.proto
