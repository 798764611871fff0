# Each target sets itself up on a fresh machine (Python >= 3.10): it creates .venv and installs
# the requirements and the package (editable) the first time, then reuses them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run reference sweep tune itq-control lab student html test bench lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# the main job: every method, five seeds, 16-64 bits, into runs/ (never the reference)
run: $(STAMP)
	$(BIN)/python -m hashlib_edu.reproduce --export-codes --out runs

# the committed reference (five seeds, every method, 16-64 bits): rewrites results/results.json
reference: $(STAMP)
	$(BIN)/python -m hashlib_edu.reproduce --export-codes --conventions --out results

# the imbalance x training-length sweep of notebook 02; writes results/sweep.json
sweep: $(STAMP)
	$(BIN)/python -m hashlib_edu.sweep

# the ITQ control of notebook 04 (trunk pretrained on coarser labels); writes results/itq_control.json
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
# ../results/*.json from their own folder: the copy in build/results/ serves build/student/.
student: $(STAMP)
	$(BIN)/python tools/editions.py --out build/student notebooks/[0-9]*.ipynb
	mkdir -p build/results && cp results/*.json build/results/

# one static HTML page per executed notebook, images embedded, nothing re-run -> build/html/
html: $(STAMP)
	$(BIN)/python tools/export_html.py --out build/html notebooks/[0-9]*.ipynb

# unit tests + nbval with the machine's default threads, then nbval again with one thread (a cheap
# stand-in for "another machine": floating point differs between thread counts)
test: $(STAMP)
	$(BIN)/python -m pytest --nbval tests notebooks
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest --nbval notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check hashlib_edu tests benchmarks notebooks tools

clean:
	rm -rf $(VENV) runs results/codes results/splits_seed*.json .pytest_cache
