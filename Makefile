# Sluice — `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
NPX := npx --no-install
DEV_ENV := .cache/dev/env

##@ Quick start

.PHONY: demo
demo: deps ## Run the standalone demo: fake RAG app + sidecar in file mode, no Redis, no cluster
	@echo "make demo arrives with the sidecar (issue: Sidecar ingress); nothing to run yet." >&2; exit 1

.PHONY: test
test: deps dev-up ## Install what is missing, start every service the tests need, run all tests
	. $(DEV_ENV) && $(NPX) vitest run

##@ Development

.PHONY: deps
deps: ## Install Debian packages, npm dependencies (Node 24 pinned) and build the control plane once
	@bash test/harness/install-deps.sh

.PHONY: generate
generate: ## Regenerate crds/tenantpolicy.yaml from policy/schema (commit the result)
	$(NPX) node policy/schema/generate.ts

.PHONY: lint
lint: ## Lint and check formatting (biome)
	$(NPX) biome check .

.PHONY: fmt
fmt: ## Format and apply safe lint fixes
	$(NPX) biome check --write .

.PHONY: typecheck
typecheck: ## Type-check everything with tsc (strict)
	$(NPX) tsc -p tsconfig.json

.PHONY: test-unit
test-unit: ## Run the unit tests only (no services needed)
	$(NPX) vitest run --project unit

.PHONY: test-integration
test-integration: dev-up ## Run the integration tests against the dev control plane
	. $(DEV_ENV) && $(NPX) vitest run --project integration

##@ Local control plane

.PHONY: dev-up
dev-up: ## Start etcd, kube-apiserver, Redis, PostgreSQL on loopback; writes .cache/dev/env
	@bash test/harness/dev-up.sh

.PHONY: dev-down
dev-down: ## Stop them and remove their state
	@bash test/harness/dev-down.sh

##@ Help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)
