# tanium.threat_response: build, demo and every check, from a fresh clone.
#   make demo    build + install the collection, run it against the bundled emulator, print what it did
#   make test    everything CI checks (both interpreters, sanity on three ansible-core versions, lint)
#   make quick   unit + integration tests on the default interpreter only: the inner loop
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON3 ?= python3
# Python 3.12 for ansible-core 2.21 (and 2.17): on PATH, or under pyenv without touching its shims.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYTHON312 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))

VENV := .venv
BUILD := .build
COLLECTIONS := $(CURDIR)/$(BUILD)/collections
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := $(BUILD)/dist/tanium-threat_response-$(VERSION).tar.gz
SOURCES := $(shell git ls-files --cached --others --exclude-standard -- galaxy.yml meta plugins roles playbooks README.md requirements.txt 2>/dev/null)
PYTEST_WORKERS ?= 2

.PHONY: help demo test quick sanity lint docs docs-lint bench install clean

help:
	@echo "make demo   - run the collection against the bundled Threat Response emulator"
	@echo "make test   - every check CI runs"
	@echo "make quick  - unit + integration tests on python3 only"
	@echo "make docs   - the HTML docs site in .build/docs/html"
	@echo "make bench  - performance benchmark (~45 min): writes bench/RESULTS.md and bench/results.png"

# -- virtual environments, from the project's own requirement files ---------------------------
$(VENV)/py311/.ready: tests/requirements/core-2.19.txt tests/requirements/test.txt tests/requirements/ecosystem.txt requirements.txt
	rm -rf $(VENV)/py311
	$(PYTHON3) -m venv $(VENV)/py311
	$(VENV)/py311/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.19.txt -r tests/requirements/test.txt
	touch $@

$(VENV)/py312/.ready: tests/requirements/core-2.21.txt tests/requirements/test.txt tests/requirements/ecosystem.txt requirements.txt
	@test -n "$(PYTHON312)" || { echo "python3.12 not found (set PYTHON312=/path/to/python3.12)"; exit 1; }
	rm -rf $(VENV)/py312
	$(PYTHON312) -m venv $(VENV)/py312
	$(VENV)/py312/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.21.txt -r tests/requirements/test.txt
	touch $@

$(VENV)/core217/.ready: tests/requirements/core-2.17.txt
	@test -n "$(PYTHON312)" || { echo "python3.12 not found (set PYTHON312=/path/to/python3.12)"; exit 1; }
	rm -rf $(VENV)/core217
	$(PYTHON312) -m venv $(VENV)/core217
	$(VENV)/core217/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.17.txt
	touch $@

# ansible-lint beside each interpreter's ansible-core, pinned again so pip cannot move it.
$(VENV)/py311/.lint-ready: $(VENV)/py311/.ready tests/requirements/lint.txt
	$(VENV)/py311/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.19.txt \
		-r tests/requirements/test.txt -r tests/requirements/lint.txt
	touch $@

$(VENV)/py312/.lint-ready: $(VENV)/py312/.ready tests/requirements/lint.txt
	$(VENV)/py312/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.21.txt \
		-r tests/requirements/test.txt -r tests/requirements/lint.txt
	touch $@

# -- the collection, built and installed as a user would get it ------------------------------
$(TARBALL): $(SOURCES) $(VENV)/py311/.ready
	mkdir -p $(BUILD)/dist
	$(VENV)/py311/bin/ansible-galaxy collection build --force --output-path $(BUILD)/dist . >/dev/null

$(BUILD)/installed.stamp: $(TARBALL)
	rm -rf $(COLLECTIONS)/ansible_collections/tanium/threat_response
	$(VENV)/py311/bin/ansible-galaxy collection install --force -p $(COLLECTIONS) $(TARBALL) >/dev/null 2>&1
	touch $@

install: $(BUILD)/installed.stamp

# -- tests ----------------------------------------------------------------------------------------
# One pytest run per test directory: pytest exits 5 when a run collects nothing, and any non-zero
# exit fails the recipe, so an emptied directory cannot pass unnoticed.
unit-%: $(VENV)/%/.ready
	$(VENV)/$*/bin/python -m pytest -n $(PYTEST_WORKERS) tests/unit
	$(VENV)/$*/bin/python -m pytest -n $(PYTEST_WORKERS) tests/conformance

integration-%: $(VENV)/%/.ready $(VENV)/core217/.ready install
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(VENV)/$*/bin/python -m pytest -n $(PYTEST_WORKERS) tests/integration

# ansible-test sanity on one ansible-core: sanity-core217 (2.17/3.12), sanity-py311 (2.19/3.11), sanity-py312 (2.21/3.12)
sanity-%: $(VENV)/%/.ready
	$(VENV)/$*/bin/python tests/sanity/run.py --venv $(VENV)/$*

# One after another on purpose: 2.17 and 2.21 share ansible-test's cached Python 3.12 sanity venvs.
sanity: sanity-core217 sanity-py311 sanity-py312

# --offline skips installing this collection, so the work tree is exposed as tanium.threat_response.
lint-%: $(VENV)/%/.lint-ready
	mkdir -p $(BUILD)/lint/ansible_collections/tanium
	ln -sfn $(CURDIR) $(BUILD)/lint/ansible_collections/tanium/threat_response
	PATH=$(CURDIR)/$(VENV)/$*/bin:$$PATH ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(BUILD)/lint \
		ansible-lint --offline --profile production --nocolor
	$(VENV)/$*/bin/antsibull-changelog lint

lint: lint-py311 lint-py312

quick: unit-py311 integration-py311

test: unit-py311 integration-py311 unit-py312 integration-py312 sanity lint docs-lint eda galaxy-importer
	@echo "make test: all checks passed"

# -- Event-Driven Ansible: the alerts event source in the real ansible-rulebook ------------------
# ansible-rulebook 1.x needs a Java 17+ runtime for its rules engine (drools_jpy); see docs/event-driven.md.
.PHONY: eda galaxy-importer
EDA_SOURCES := $(shell git ls-files --cached --others --exclude-standard -- extensions meta 2>/dev/null)
$(TARBALL): $(EDA_SOURCES)

$(VENV)/eda/.ready: tests/requirements/eda.txt tests/requirements/core-2.19.txt requirements.txt
	rm -rf $(VENV)/eda
	$(PYTHON3) -m venv $(VENV)/eda
	$(VENV)/eda/bin/pip install -q --disable-pip-version-check -r tests/requirements/eda.txt
	touch $@

eda: $(VENV)/eda/.ready $(VENV)/py311/.ready install
	@java -version >/dev/null 2>&1 || { echo "make eda: ansible-rulebook needs a Java 17+ runtime (java on PATH)"; exit 1; }
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) EDA_VENV=$(CURDIR)/$(VENV)/eda \
		$(VENV)/py311/bin/python -m pytest -p no:xdist tests/eda

# -- publishing: galaxy-importer, the validator Galaxy and Automation Hub run on upload ----------------
$(VENV)/importer/.ready: tests/requirements/importer.txt tests/requirements/core-2.19.txt
	rm -rf $(VENV)/importer
	$(PYTHON3) -m venv $(VENV)/importer
	$(VENV)/importer/bin/pip install -q --disable-pip-version-check -r tests/requirements/importer.txt
	touch $@

# Fails on the importer's own failure and on any ERROR line it logs (it reports some problems and goes on).
# Run from $(BUILD): the importer writes importer_result.json into its working directory.
galaxy-importer: $(VENV)/importer/.ready $(TARBALL)
	cd $(BUILD) && PATH=$(CURDIR)/$(VENV)/importer/bin:$$PATH GALAXY_IMPORTER_CONFIG=$(CURDIR)/tests/galaxy-importer.cfg \
		ANSIBLE_LOCAL_TEMP=$(CURDIR)/$(BUILD)/importer-tmp \
		$(CURDIR)/$(VENV)/importer/bin/python -m galaxy_importer.main $(CURDIR)/$(TARBALL) 2>&1 | tee galaxy-importer.log
	! grep -E '^(ERROR|CRITICAL)' $(BUILD)/galaxy-importer.log

# -- docs ---------------------------------------------------------------------------------------
$(VENV)/docs/.ready: docs/requirements.txt tests/requirements/core-2.19.txt
	rm -rf $(VENV)/docs
	$(PYTHON3) -m venv $(VENV)/docs
	$(VENV)/docs/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.19.txt -r docs/requirements.txt
	touch $@

# The committed docs/docsite/rst matches the Markdown guides, and antsibull-docs accepts every plugin, role and page.
docs-lint: $(VENV)/docs/.ready
	$(VENV)/docs/bin/python docs/render_guides.py --check
	env -u ANSIBLE_COLLECTIONS_PATH PATH=$(CURDIR)/$(VENV)/docs/bin:$$PATH $(VENV)/docs/bin/antsibull-docs \
		lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs=dependent .

# HTML docsite in .build/docs/html; fails if its index misses a module, filter, role or guide page.
docs: $(VENV)/docs/.ready
	$(VENV)/docs/bin/python docs/build_site.py

# -- benchmark (not part of `make test`: it measures, it does not check) -----------------------------
$(VENV)/bench/.ready: tests/requirements/core-2.19.txt requirements.txt bench/requirements.txt
	rm -rf $(VENV)/bench
	$(PYTHON3) -m venv $(VENV)/bench
	$(VENV)/bench/bin/pip install -q --disable-pip-version-check -r tests/requirements/core-2.19.txt \
		-r requirements.txt -r bench/requirements.txt
	touch $@

bench: $(VENV)/bench/.ready install
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(VENV)/bench/bin/python bench/run.py

# -- demo -----------------------------------------------------------------------------------------
demo: install
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(VENV)/py311/bin/python demo/run.py

clean:
	rm -rf $(BUILD) tests/output
