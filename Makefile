# tergeu — the two commands of the quick start, and a few more for developers.
.PHONY: run test lint typecheck check fmt messages bench rules clean

run:            ## set up and run the product with demo data on http://127.0.0.1:8000/
	scripts/run.sh

test:           ## set up (system packages too) and run the whole test suite
	scripts/setup.sh test
	.venv/bin/pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck:
	TERGEU_DEV=1 .venv/bin/mypy --strict tergeu tests bench verifier/tergeu_verify

check: lint typecheck test

fmt:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages:       ## extract translatable strings into the kk/ru/en catalogues
	TERGEU_DEV=1 .venv/bin/python manage.py makemessages -l kk -l ru -l en --no-obsolete --no-location
	scripts/setup.sh run

bench:          ## run the benchmarks against PostgreSQL (see docs/benchmarks.md)
	.venv/bin/python bench/run.py

rules:          ## regenerate docs/rules.md and the pack's texts for translation from the pack
	.venv/bin/python -m tergeu.procedure.reference docs/rules.md tergeu/cases/pack_messages.py

clean:
	rm -rf .venv .tools var/static
