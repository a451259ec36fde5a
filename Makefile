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

# LibreOffice opens the generated DOCX files in the tests and makes the PDF of each report,
# kept running between conversions through its Python bridge (python3-uno); poppler-utils
# draws its pages as pictures (pdftoppm) and reads their layout in the tests (pdftotext); free
# Chinese fonts stand in for the licensed ones (bot/document/fonts.conf), or the pictures show
# empty boxes. Debian packages, installed once.
system-deps:
	@{ command -v soffice && command -v pdftoppm && command -v pdftotext && \
	   /usr/bin/python3 -I -c 'import uno' && fc-list :lang=zh family | grep -q .; } >/dev/null 2>&1 || { \
	  echo "Installing LibreOffice Writer, poppler-utils and Chinese fonts (Debian packages)..."; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    libreoffice-writer-nogui python3-uno poppler-utils fontconfig \
	    fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei >/dev/null; }

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
