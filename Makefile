# Two entry points do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) system-deps
	$(BIN)/reportbot start

# LibreOffice opens the generated DOCX files in the tests and makes the PDF of each report;
# poppler-utils draws its pages as pictures (pdftoppm) and reads their layout in the tests
# (pdftotext). Debian packages, installed once.
system-deps:
	@{ command -v soffice && command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || { \
	  echo "Installing LibreOffice Writer and poppler-utils (Debian packages)..."; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    libreoffice-writer-nogui poppler-utils >/dev/null; }

test: $(STAMP) system-deps
	$(BIN)/reportbot templates check
	$(BIN)/pytest -q

# Runs benchmarks/ and rewrites the measured blocks of BENCHMARKS.md (takes several minutes).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

lint: $(STAMP)
	$(BIN)/ruff check bot storage tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
