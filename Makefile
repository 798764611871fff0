# Each target sets itself up on a fresh machine (Python >= 3.10): it creates .venv and installs
# the requirements and the package (editable) the first time, then reuses them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run reference sweep tune itq-control lab student nbgrader book test test-wheel bench lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# the main job: every method, five seeds, 16-64 bits, into runs/ (never the reference)
run: $(STAMP)
	$(BIN)/python -m hashlib_edu.reproduce --export-codes --out runs

# the committed reference, package data in hashlib_edu/reference/ (read by hashlib_edu.reference.load):
# the main job (five seeds, every method, 16-64 bits), the sweep and the ITQ control. The only
# command that rewrites them; codes and split indices go to runs/reference/.
REF := hashlib_edu/reference
reference: $(STAMP)
	$(BIN)/python -m hashlib_edu.reproduce --conventions --out $(REF)
	mkdir -p runs/reference && mv $(REF)/splits_seed*.json runs/reference/
	$(BIN)/python -m hashlib_edu.sweep --out $(REF)/sweep.json
	$(BIN)/python -m hashlib_edu.itq_control --out $(REF)/itq_control.json

# the imbalance x training-length sweep of notebook 02; writes runs/sweep.json
sweep: $(STAMP)
	$(BIN)/python -m hashlib_edu.sweep

# the ITQ control of notebook 04 (trunk pretrained on coarser labels); writes runs/itq_control.json
itq-control: $(STAMP)
	$(BIN)/python -m hashlib_edu.itq_control

# choose the per-method defaults on validation data; writes hashlib_edu/tuned.json
tune: $(STAMP)
	$(BIN)/python -m hashlib_edu.tune --write

# JupyterLab with the RISE slideshow extension (jupyterlab-rise, from requirements.txt): open a
# notebook, run its cells, then View > Render as Reveal Slideshow (Alt+R). The slide types are set
# by `$(BIN)/python tools/slides.py notebooks/*.ipynb`.
lab: $(STAMP)
	$(BIN)/python -c "import jupyterlab_rise" 2>/dev/null || $(BIN)/python -m pip install --quiet "jupyterlab-rise>=0.43"
	$(BIN)/jupyter lab notebooks/

# the student editions (solutions replaced by placeholders, outputs cleared; tools/editions.py
# says how the cells are tagged) -> build/student/NN_topic.ipynb. The notebooks read
# hashlib_edu.reference (package data), so the editions run from any folder.
student: $(STAMP)
	$(BIN)/python tools/editions.py --out build/student notebooks/[0-9]*.ipynb

# the nbgrader course (tools/nbgrader_course.py: one assignment per notebook, built from the same
# cell tags as `make student`) -> build/nbgrader: nbgrader_config.py, source/ and release/ (the
# student copies, hidden tests included). To grade: the students' notebooks in
# build/nbgrader/submitted/<student>/NN_topic/NN_topic.ipynb, then, with .venv/bin first on PATH
# (nbgrader runs `alembic` from PATH), `cd build/nbgrader && nbgrader autograde NN_topic`;
# the scores are in build/nbgrader/gradebook.db.
nbgrader: $(STAMP)
	$(BIN)/python tools/nbgrader_course.py --out build/nbgrader notebooks/[0-9]*.ipynb
	cd build/nbgrader && for a in source/*/; do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" nbgrader generate_assignment --force "$$(basename $$a)" || exit 1; \
	done

# the static book (jupyter-book 1.x) of the executed notebooks, nothing re-run; solution, instructor
# and check cells left out -> build/book/_build/html/index.html
book: $(STAMP)
	$(BIN)/python tools/book.py --out build/book notebooks/0*.ipynb

# unit tests + nbval with the machine's default threads, then nbval again with one thread (a cheap
# stand-in for "another machine": floating point differs between thread counts)
test: $(STAMP)
	$(BIN)/python -m pytest --nbval tests notebooks
	$(MAKE) --no-print-directory test-wheel
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest --nbval notebooks

# the wheel, installed into a fresh virtual environment (no editable install, no clone on the path;
# the same dependency versions as .venv), runs every notebook from an empty folder under nbval
WHEEL_VENV := build/wheel-venv
test-wheel: $(STAMP)
	rm -rf build/wheel $(WHEEL_VENV)
	$(BIN)/python -m pip wheel --quiet --no-deps -w build/wheel .
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^hashlib' > build/constraints.txt
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet -c build/constraints.txt build/wheel/hashlib_edu-*.whl nbval pytest ipykernel
	tmp=$$(mktemp -d) && cd $$tmp && $(CURDIR)/$(WHEEL_VENV)/bin/hashlib-edu notebooks . \
		&& HASHLIB_EDU_CACHE=$$tmp/cache $(CURDIR)/$(WHEEL_VENV)/bin/python -m pytest --nbval -p no:cacheprovider -q *.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# ruff's lint rules (pyproject: pycodestyle, pyflakes, isort, bugbear, pyupgrade, numpy, mccabe
# complexity <= 10) on the code and the notebooks, then its formatter as a check on the code; the
# notebooks' cells are not format-checked (the slide cells keep their hand-made line breaks)
lint: $(STAMP)
	$(BIN)/ruff check hashlib_edu tests benchmarks notebooks tools
	$(BIN)/ruff format --check hashlib_edu tests benchmarks tools

clean:
	rm -rf $(VENV) runs build .pytest_cache
