# hapb: build, test and the lab. `make help` lists the targets.
GO      ?= go
BIN     := bin/hapb
PKGS    := ./...
# Fuzz budgets are counts, not durations: with a duration, Go 1.26's fuzz
# coordinator can fail a run that found nothing ("context deadline exceeded"
# at the deadline, golang/go#75804), as it did in CI. Minimizing each new
# input is bounded too: unbounded, it stalled the loader targets for seconds.
FUZZ    := -fuzztime 10000x -fuzzminimizetime 100x

.PHONY: help deps check build test lint e2e lab-up lab-down lab-status demo bench bench-lab clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

deps: ## install what the tests and the lab need (Debian packages, Go modules; as root)
	test/install-deps
	$(GO) mod download

check: deps lint test e2e ## every test: unit, playbook suite, SSH integration, lab end to end

build: ## build bin/hapb
	$(GO) build -o $(BIN) ./cmd/hapb

test: ## unit tests, playbook suites and integration tests against a local sshd
	$(GO) test -count=1 $(PKGS)
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' $(FUZZ) ./engine/playbook
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' $(FUZZ) ./engine/inventory
	$(GO) test -run '^$$' -fuzz '^FuzzRenderHostData$$' $(FUZZ) -fuzztime 100000x ./engine/vars

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)

lab-up: build ## start the lab (all hosts of inventories/lab, or HOSTS="a b")
	test/lab/up $(HOSTS)

lab-down: ## stop the lab and remove everything it made
	test/lab/down

lab-status: ## show the lab's hosts
	test/lab/status

e2e: build ## end-to-end tests on the lab (as root): the smoke playbook, then the HA site
	test/e2e/run
	test/e2e/ha/run

demo: deps build lab-up ## deploy the HA cluster onto the lab
	test/lab/run $(BIN) run playbooks/site.yml -i inventories/lab

bench: build ## benchmarks: executor, SSH transport, 1,000-host in-process SSH fleet
	$(GO) test -run '^$$' -bench . -benchmem ./engine/...
	$(GO) test -count=1 -run TestFleet -v ./test/bench/fleet -fleet

bench-lab: build ## hapb vs tuned ansible-playbook vs the raw SSH floor on 10 lab hosts (root, lab up)
	test/bench/run

clean:
	rm -rf bin
