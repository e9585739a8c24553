# kmsconform: the commands a developer and CI need. `make help` lists them.
GO       ?= go
BIN      := bin/kmsconform
PROFILE  ?= 2022

.PHONY: help build test unit suite-profiles lint conformance

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build the static kmsconform binary into bin/
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/kmsconform

conformance: build ## run the suite against the embedded reference KMS (PROFILE=2022|2023|2025) and print the per-rule result
	$(BIN) run --profile $(PROFILE)

test: lint unit suite-profiles ## everything CI checks

unit: ## unit and race tests of every package (the suite itself runs here for profile 2022; the container tests need Docker)
	@docker info >/dev/null 2>&1 || echo "note: no Docker engine: the container target tests skip (under CI=true they fail); start Docker, or run .ci/run, to run them"
	$(GO) test -race -count=1 ./...

suite-profiles: ## the suite against the embedded reference for profiles 2023 and 2025
	$(GO) test -count=1 ./suites/importkm -args --kms.profile=2023
	$(GO) test -count=1 ./suites/importkm -args --kms.profile=2025

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
