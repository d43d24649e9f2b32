# The two commands of the README: `make run` and `make test`. Each works alone on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint translations extract-messages db-upgrade clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d quiz/translations -D messages --statistics

db-upgrade: $(STAMP)
	$(BIN)/quiz db upgrade

run: translations db-upgrade
	$(BIN)/quiz ensure-admin
	$(BIN)/quiz banks import
	$(BIN)/quiz casestudies import
	$(BIN)/quiz run --host $(HOST) --port $(PORT)

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check quiz tests bench

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o quiz/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i quiz/translations/messages.pot -d quiz/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
