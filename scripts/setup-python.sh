#!/usr/bin/env bash
# The Python readers and writers the test suite checks our stores against (pandas, pyarrow, polars), in
# .venv beside the project. Offline machines have a local wheel index configured for pip. Tests that
# need them skip, saying so, when .venv is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import pandas, pyarrow, polars' 2>/dev/null; then exit 0; fi
python3 -m venv .venv
# --retries 0: an offline machine says no to the public index at once; pip then takes the local one.
.venv/bin/pip install --quiet --disable-pip-version-check --retries 0 pandas pyarrow polars
