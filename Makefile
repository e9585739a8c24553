# kmsconform: the commands a developer and CI need. `make help` lists them.
GO        ?= go
BIN       := bin/kmsconform
PKGS      := ./...

.PHONY: help build test lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build the kmsconform binary into bin/
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/kmsconform

test: lint ## everything CI checks: lint, unit tests with -race
	$(GO) test -race -count=1 $(PKGS)

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
