# Everyday commands. Everything runs with the Go toolchain alone; pinned tools
# live in tools/*/go.mod and run through `go tool -modfile=...`.

SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c

GO      ?= go
PKGS    ?= ./...
NEW     ?=

.PHONY: all demo test vet lint fmt-check generate check-generated spec-check spec-diff fuzz bench bench-peers-generate cover vuln help

all: check-generated lint test spec-check ## everything CI runs

demo: ## the main job: the whole partner flow against the in-process fake, no account needed
	$(GO) run ./cmd/kelviq demo

# The race detector needs cgo, hence a C compiler: RACE is -race when cgo is
# on and $(go env CC) is found, else empty, and `make test` says why.
CGO_ON  := $(shell $(GO) env CGO_ENABLED 2>/dev/null)
GO_CC   := $(shell $(GO) env CC 2>/dev/null)
CC_PATH := $(shell command -v $(firstword $(GO_CC)) 2>/dev/null)
RACE    ?= $(if $(and $(filter 1,$(CGO_ON)),$(CC_PATH)),-race)
NORACE_WHY = $(if $(filter 1,$(CGO_ON)),the C compiler $(firstword $(GO_CC)) (go env CC) is not on PATH,cgo is off (go env CGO_ENABLED is $(or $(CGO_ON),unset): no C compiler on PATH, or CGO_ENABLED=0))

test: vet ## vet, then every test, with the race detector when cgo and a C compiler are available
ifeq ($(RACE),)
	@echo "make test: running WITHOUT the race detector: -race needs cgo and a C compiler, and $(NORACE_WHY); install gcc (apt-get install gcc) to enable it"
endif
	$(GO) test $(RACE) -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check: ## fail if any Go file is not gofmt'ed
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: fmt-check vet ## gofmt, go vet and staticcheck
	$(GO) tool -modfile=tools/lint/go.mod staticcheck $(PKGS)

generate: ## regenerate api/, internal/fakeapi/, wrapper/services.gen.go, wrapper/decode.gen.go and the MCP tool table from openapi.json
	$(GO) generate ./...

check-generated: generate ## fail if regenerating changes anything
	@st=$$(git status --porcelain); if [ -n "$$st" ]; then echo "regenerating changed the tree:"; echo "$$st"; git --no-pager diff --stat; exit 1; fi
	@echo "check-generated: generated code is up to date"

spec-check: ## compare openapi.json with ../shared/reference fact by fact
	$(GO) test -count=1 -v -run 'TestSpec' ./internal/speccheck/ | grep -vE '^\s*(=== (RUN|PAUSE|CONT)|--- PASS)'

spec-diff: ## make spec-diff NEW=path/to/new/openapi.json: what a newer spec changes
	@test -n "$(NEW)" || { echo "usage: make spec-diff NEW=path/to/openapi.json"; exit 2; }
	@echo "== breaking changes =="
	@$(GO) tool -modfile=tools/specdiff/go.mod oasdiff breaking openapi.json "$(NEW)"
	@echo "== all changes =="
	@$(GO) tool -modfile=tools/specdiff/go.mod oasdiff changelog openapi.json "$(NEW)"

bench: ## the wrapper, an ogen-generated client and a tuned hand-written client, in paired alternating blocks; see BENCH.md
	$(GO) -C bench/peers test -run '^$$' -bench '^BenchmarkPaired$$' -benchtime 1x -benchmem . | tee bench/paired.txt
	$(GO) test -run '^$$' -bench '^BenchmarkClientOverhead$$' -benchmem -count 6 ./bench/ | tee bench/overhead.txt
	$(GO) tool -modfile=tools/bench/go.mod benchstat -col /client bench/overhead.txt | tee bench/overhead-benchstat.txt
	$(GO) test -run '^$$' -bench '^BenchmarkDecodeResponse$$' -benchmem -count 6 ./wrapper/ | tee bench/decode.txt
	$(GO) -C bench/peers test -run '^$$' -bench '^BenchmarkDecodeCandidates$$' -benchmem -count 6 . | tee bench/candidates.txt
	$(GO) tool -modfile=tools/bench/go.mod benchstat -col /engine bench/decode.txt bench/candidates.txt | tee bench/decode-benchstat.txt

bench-peers-generate: ## remake the benchmark's ogen client (bench/peers/ogenapi) from openapi.json
	$(GO) -C bench/peers generate .

vuln: ## govulncheck (pinned) on the packages and the kelviq binary, built with go1.27.3, offline (VULN_GO=local: this toolchain)
	bash tools/vuln/check.sh

FUZZTIME ?= 60s
fuzz: ## run each fuzz target for FUZZTIME (the seed corpora also run in make test)
	$(GO) test ./webhook/ -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME)
	$(GO) test ./wrapper/ -run '^$$' -fuzz '^FuzzErrorBody$$' -fuzztime $(FUZZTIME)
	$(GO) test ./wrapper/ -run '^$$' -fuzz '^FuzzDecodeResponse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./wrapper/ -run '^$$' -fuzz '^FuzzDecodeAgrees$$' -fuzztime $(FUZZTIME)

cover: ## coverage summary
	$(GO) test -count=1 -coverprofile=cover.out $(PKGS) >/dev/null && $(GO) tool cover -func=cover.out | tail -1

help:
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'
