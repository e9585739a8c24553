# kmsconform: the commands a developer and CI need. `make help` lists them.
GO       ?= go
BIN      := bin/kmsconform
PROFILE  ?= 2022

.PHONY: help build test unit suite-profiles lint conformance mutation fuzz fuzz-endpoint fuzz-diff fuzz-seeds fuzz-bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build the static kmsconform binary into bin/
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/kmsconform

conformance: build ## run the suite against the embedded reference KMS (PROFILE=2022|2023|2025) and print the per-rule result
	$(BIN) run --profile $(PROFILE)

test: lint unit suite-profiles fuzz-seeds mutation ## everything CI checks

unit: ## unit and race tests of every package (the suite itself runs here for profile 2022; the container tests need Docker)
	@docker info >/dev/null 2>&1 || echo "note: no Docker engine: the container target tests skip (under CI=true they fail); start Docker, or run .ci/run, to run them"
	$(GO) test -race -count=1 ./...

suite-profiles: build ## the suite against the embedded reference: 2023 through the ginkgo CLI in parallel, as the README runs it (its bundle must verify as profile 2023), 2025 serially under go test
	rm -rf out/ginkgo-p-2023
	$(GO) tool ginkgo -p ./suites/importkm -- --kms.profile=2023 --kms.report-dir=$(CURDIR)/out/ginkgo-p-2023
	@$(BIN) report verify --allow-devel out/ginkgo-p-2023 | tee /dev/stderr | grep -q 'for profile 2023 (' || { echo "suite-profiles: the ginkgo -p run did not certify profile 2023: do the flags after -- reach the suite?"; exit 1; }
	$(GO) test -count=1 ./suites/importkm -args --kms.profile=2025

mutation: build ## the mutation self-test: the suite against every mutant of the reference KMS, each in the profiles where it has an effect; out/mutation/mutation.json
	rm -rf out/mutation
	$(BIN) mutate --report-dir out/mutation

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Fuzzing: see the Fuzzing section of README.md. Each target runs in its own
# `go test -fuzz` call: -fuzz must match exactly one target.
FUZZTIME      ?= 30s
MUTANT        ?=
ENDPOINT      ?=
FUZZ_PARALLEL ?= 1
# The fuzz targets against a KMS: package:Target.
FUZZ_KMS_TARGETS := ./fuzz:FuzzImportEncryptedKeyMaterial ./fuzz:FuzzImportToken ./fuzz:FuzzImportRequest ./fuzz:FuzzWireRequest
# The in-process fuzz targets: the wrapping fixtures (round trips, and no
# input makes Unwrap panic), the key material parser, and the reference's
# HTTP handler (keys in known states; every profile, or PROFILE's under
# `make fuzz`, which sets KMSCONFORM_PROFILE).
FUZZ_LOCAL_TARGETS := ./fixtures/wrap:FuzzWrapUnwrap ./fixtures/wrap:FuzzUnwrap ./fixtures/wrap:FuzzKWPRoundTrip ./fixtures/wrap:FuzzUnwrapKWP \
	./fixtures/material:FuzzParse ./harness/reference:FuzzServeHTTP

fuzz: ## every fuzz target in turn for FUZZTIME (default 30s) against the embedded reference (PROFILE; MUTANT=name for a faulty one)
	@failed=""; for t in $(FUZZ_KMS_TARGETS) $(FUZZ_LOCAL_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "== $$name ($$pkg, profile $(PROFILE)$(if $(MUTANT), with mutant $(MUTANT)))"; \
	  KMSCONFORM_PROFILE=$(PROFILE) KMSCONFORM_REFERENCE_MUTANT=$(MUTANT) $(if $(MUTANT),KMSCONFORM_FUZZ_WORKDIR=$(CURDIR)/out/fuzz-mutant-$(MUTANT)) $(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) || failed="$$failed $$name"; \
	done; if [ -n "$$failed" ]; then echo "fuzz: failures in$$failed (inputs written to testdata/fuzz$(if $(MUTANT), of the KMS targets' copy out/fuzz-mutant-$(MUTANT)/: a mutant's inputs never go to the checked-in corpus))"; exit 1; fi

fuzz-endpoint: ## the KMS fuzz targets in turn for FUZZTIME against ENDPOINT=URL (AWS credentials from the environment; FUZZ_PARALLEL workers, default 1)
	@test -n "$(ENDPOINT)" || { echo "fuzz-endpoint: give ENDPOINT=URL"; exit 2; }
	@failed=""; for t in $(FUZZ_KMS_TARGETS); do name=$${t##*:}; echo "== $$name against $(ENDPOINT), profile $(PROFILE)"; \
	  KMSCONFORM_ENDPOINT=$(ENDPOINT) KMSCONFORM_PROFILE=$(PROFILE) $(GO) test ./fuzz -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel $(FUZZ_PARALLEL) || failed="$$failed $$name"; \
	done; if [ -n "$$failed" ]; then echo "fuzz-endpoint: failures in$$failed (inputs written to fuzz/testdata/fuzz)"; exit 1; fi

fuzz-diff: ## the fuzz corpus against the embedded reference and ENDPOINT=URL (or MUTANT=name): where they disagree, by rule id
	@test -n "$(ENDPOINT)$(MUTANT)" || { echo "fuzz-diff: give ENDPOINT=URL or MUTANT=name"; exit 2; }
	KMSCONFORM_PROFILE=$(PROFILE) $(GO) test ./fuzz -count=1 -v -run '^TestDifferential$$' -args $(if $(ENDPOINT),-endpoint $(ENDPOINT)) $(if $(MUTANT),-mutant $(MUTANT))

fuzz-seeds: ## replay the fuzz seed corpus against the embedded reference of profiles 2023 and 2025 (unit replays it for 2022)
	KMSCONFORM_PROFILE=2023 $(GO) test -count=1 ./fuzz
	KMSCONFORM_PROFILE=2025 $(GO) test -count=1 ./fuzz

fuzz-bench: ## FuzzImportEncryptedKeyMaterial executions per second against the embedded reference, and the RSA-OAEP limit
	$(GO) test ./fuzz -run '^$$' -bench 'ImportEncryptedKeyMaterial|DecryptOAEP' -benchtime 3s -count 3
