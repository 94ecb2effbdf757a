# Yibao Collect — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB := demo/demo.db
DEMO_PASSPHRASE := yibao-demo-2026

.PHONY: run test lint soak bench demo venv clean bundle bundle-test screenshots

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[server,dev]'
	@touch $(STAMP)

venv: $(STAMP)

$(DEMO_DB): | $(STAMP)
	@mkdir -p demo
	YIBAO_NEW_PASSPHRASE=$(DEMO_PASSPHRASE) YIBAO_PASSPHRASE=$(DEMO_PASSPHRASE) \
		$(VENV)/bin/yibao demo --db $(DEMO_DB) --user 演示收款员

demo: $(DEMO_DB)

run: $(STAMP) $(DEMO_DB)
	YIBAO_PASSPHRASE_HINT=$(DEMO_PASSPHRASE) $(VENV)/bin/yibao --db $(DEMO_DB)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -m "not soak and not bundle" -n 2

soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen YIBAO_SOAK=1 $(VENV)/bin/pytest -m soak

bench: $(STAMP)
	$(PY) -m bench

# Every page of both roles at 1366×768 into docs/images, then again at the 大 font size into
# docs/images/large: the walk-through a review starts from.
SCREENSHOT_MODULES := ui.screenshots ui.chase_screenshots ui.reports_screenshots \
	ui.township_screenshots
XVFB := xvfb-run -a -s "-screen 0 1366x768x24"

screenshots: $(STAMP)
	@for module in $(SCREENSHOT_MODULES); do \
		$(XVFB) $(PY) -m $$module docs/images || exit 1; \
		YIBAO_SCREENSHOT_FONT=large $(XVFB) $(PY) -m $$module docs/images/large || exit 1; \
	done

BUNDLE_DIR := build/dist/yibao-$(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' app/__init__.py)

bundle: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath build/dist \
		--workpath build/work build.spec
	@du -sh $(BUNDLE_DIR)

bundle-test: bundle
	YIBAO_BUNDLE_DIR=$(BUNDLE_DIR) QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -m bundle -p no:xdist

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache .hypothesis
