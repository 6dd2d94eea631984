# Sluice — `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
NPX := npx --no-install
DEV_ENV := .cache/dev/env

##@ Quick start

.PHONY: demo
demo: node-deps ## Run the standalone demo: fake RAG app + sidecar in file mode, no Redis, no cluster
	$(NPX) node test/demo/run-demo.ts

.PHONY: test
test: deps dev-up ## Install what is missing, start every service the tests need, run all tests, then make e2e
	rm -f .cache/faults/counts.jsonl
	. $(DEV_ENV) && $(NPX) vitest run
	$(NPX) node test/faults/summary.ts
	@bash test/e2e/node.sh

.PHONY: noisy-neighbor
noisy-neighbor: node-deps ## Reproduce the noisy-neighbor incident locally; report in .cache/noisy-neighbor/ (QUICK=1: < 2 min)
	$(NPX) node cli/sluice.ts noisy-neighbor --scenario examples/scenarios/noisy-neighbor.yaml --out .cache/noisy-neighbor

.PHONY: noisy-neighbor-cluster
noisy-neighbor-cluster: deps dev-up ## The same, with the emergency override/suspension through kubectl patch and the operator
	. $(DEV_ENV) && $(NPX) node cli/sluice.ts noisy-neighbor --scenario examples/scenarios/noisy-neighbor.yaml --out .cache/noisy-neighbor --cluster

##@ Development

.PHONY: deps
deps: ## Install Debian packages, npm dependencies (Node 24 pinned) and build the control plane once
	@bash test/harness/install-deps.sh

.PHONY: node-deps
node-deps: ## Install the npm dependencies only (Node 24 pinned): all that demo and the simulator need
	@bash test/harness/install-node-deps.sh

.PHONY: generate
generate: ## Regenerate the CRD (crds/, chart), the dashboards and the docs' flags tables from their sources (commit the result)
	$(NPX) node policy/schema/generate.ts
	$(NPX) node cli/lib/settings/docs.ts
	$(NPX) node charts/sluice/dashboards/generate.ts

.PHONY: compile-phrases
compile-phrases: ## Rewrite the phrase catalogue snapshot policy/prompt/catalogue.bin after editing policy/prompt/phrases (commit the .bin)
	$(NPX) node policy/prompt/catalogue.ts --write

.PHONY: train-screen
train-screen: ## Rebuild the screening training split and retrain the learned layer (deterministic; commit the .bin)
	$(NPX) node test/fixtures/prompts/train/build-train.ts
	$(NPX) node policy/prompt/model/train.ts --report

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

.PHONY: test-faults
test-faults: deps dev-up ## Fault suite under load (Redis/Postgres/API server/providers/operator); prints faults=… lost=…
	rm -f .cache/faults/counts.jsonl
	. $(DEV_ENV) && $(NPX) vitest run --project integration test/faults
	$(NPX) node test/faults/summary.ts

.PHONY: test-exact-busy
test-exact-busy: dev-up ## The exact-count limiter tests RUNS times in a row (10) beside BUSY busy processes (3)
	. $(DEV_ENV) && bash test/harness/repeat-busy.sh $${RUNS:-10} $${BUSY:-3} sidecar/redis-mode.int.test.ts

.PHONY: test-integration
test-integration: dev-up ## Run the integration tests against the dev control plane
	. $(DEV_ENV) && $(NPX) vitest run --project integration

##@ Chart

.PHONY: chart-check
chart-check: deps dev-up ## helm lint --strict, render default + all toggles, kubectl apply --dry-run=server
	@bash test/harness/chart-check.sh

.PHONY: e2e
e2e: deps ## The chart on a real single-node cluster built here (no Docker): helm install, injected app, faults; one JSON line
	@bash test/e2e/node.sh

.PHONY: e2e-clean
e2e-clean: ## Remove what an interrupted `make e2e` left on this machine (processes, mounts, cgroups, iptables, sysctls)
	@bash test/harness/node/cluster-down.sh

.PHONY: e2e-kind
e2e-kind: ## The same journey on a kind cluster (needs Docker + kind; not run on the dev machines or CI)
	@bash test/e2e/kind.sh

.PHONY: bundle
bundle: node-deps ## The image's entrypoint as one bundled module (esbuild) in .cache/bundle/cli/sluice.mjs, cached by its inputs
	@$(NPX) node test/harness/image/bundle.ts >/dev/null

.PHONY: image
image: node-deps ## Build the image without Docker (umoci, skopeo, debootstrap) into .cache/image/sluice.oci.tar
	@bash test/harness/image/build-image.sh product

.PHONY: test-rules
test-rules: deps ## promtool check + unit tests of the alert rules
	promtool check rules charts/sluice/alerts/sluice-rules.yaml
	cd charts/sluice/alerts && promtool test rules tests.yaml

##@ Benchmarks (print one JSON line each; QUICK=1 for a short run)

.PHONY: bench-overhead
bench-overhead: deps dev-up ## Sidecar latency/throughput vs direct and a bare Node proxy
	. $(DEV_ENV) && $(NPX) node bench/sidecar-overhead.ts

.PHONY: bench-cold-start
bench-cold-start: deps ## Sidecar cold start (spawn to /readyz 200) from source and from the bundle, alternated (PAIRS=7)
	$(NPX) node bench/cold-start.ts

.PHONY: bench-accuracy
bench-accuracy: deps dev-up ## Global rate-limit accuracy across >= 4 sidecar processes, Redis up and down
	. $(DEV_ENV) && $(NPX) node bench/limiter-accuracy.ts

.PHONY: bench-accuracy-stress
bench-accuracy-stress: deps ## Rate-limit accuracy with busy CPUs, 50 ms/300 ms/2 s Redis latency (toxiproxy), Redis paused
	$(NPX) node bench/limiter-stress.ts

.PHONY: bench-budget-stress
bench-budget-stress: deps ## Token budgets in the same phases: settled/budget, overspend, holds left after the load
	$(NPX) node bench/budget-stress.ts

.PHONY: bench-fairness
bench-fairness: node-deps ## Enterprise latency while a free tenant floods at 10x capacity
	$(NPX) node bench/queue-fairness.ts

.PHONY: bench-prompt
bench-prompt: node-deps ## Prompt screening latency (200 B, 2 KB, 20 KB, adversarial 100 KB)
	$(NPX) node bench/prompt-screen.ts

.PHONY: bench-json
bench-json: node-deps ## Strict JSON reader vs JSON.parse, and the ingress body check before/after (200 B .. 30 KB)
	$(NPX) node bench/strict-json.ts

.PHONY: bench-egress
bench-egress: deps dev-up ## Egress latency and time-to-first-token vs direct and a bare proxy
	. $(DEV_ENV) && $(NPX) node bench/egress-overhead.ts

.PHONY: bench-override
bench-override: deps dev-up ## kubectl sluice override → in effect on a running sidecar (command, status, sidecar)
	. $(DEV_ENV) && $(NPX) node bench/kubectl-sluice-override.ts

.PHONY: transcript-kubectl-sluice
transcript-kubectl-sluice: deps dev-up ## The support/on-call journey with kubectl sluice, printed (create, traffic, top, override, suspend, usage CSV)
	. $(DEV_ENV) && $(NPX) node test/e2e/kubectl-sluice-transcript.ts

.PHONY: bench-operator
bench-operator: deps dev-up ## TenantPolicies to Ready (10k; 30k unless QUICK), propagation p95, operator RSS
	. $(DEV_ENV) && $(NPX) node bench/operator-propagation.ts

.PHONY: bench-scale
bench-scale: deps ## Redis commands per request, 1 vs 3 masters, memory per tenant; sidecar RSS at 1k/10k/100k tenants
	$(NPX) node bench/scale.ts
	$(NPX) node bench/scale-sidecar-memory.ts

.PHONY: scale-model
scale-model: node-deps ## Capacity model: 100k tenants, 1,000 sidecars, from measured per-unit costs (docs/scale.md)
	$(NPX) node bench/scale-model.ts

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
