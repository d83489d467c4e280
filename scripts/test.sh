#!/usr/bin/env bash
# The tests, as `make test` runs them: two pytest sessions side by side on the two cores.
# - the quick ones (unit, the store's and the web API's on embedded PostgreSQL over a unix
#   socket, the wheel: QUICK), which need no fixed port, in the background, their output
#   shown at the end;
# - every other (tests/e2e, tests/integration/asterisk, and any new folder: Asterisk, sipp,
#   Chromium on fixed loopback ports, one session per machine under tests/conftest.py's
#   lock) in front.
# Fails when either fails. Usage: scripts/test.sh VENV_BIN [pytest options for both]
set -uo pipefail
cd "$(dirname "$0")/.."
bin=$1
shift
work=$(mktemp -d /tmp/centralino-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
QUICK=(tests/unit tests/integration/store tests/integration/web tests/integration/test_wheel.py)
"$bin/pytest" -q -rs -p no:cacheprovider --basetemp="$work/quick" "$@" "${QUICK[@]}" \
    >"$work/quick.log" 2>&1 &
quick=$!
"$bin/pytest" -q -rs --durations=40 --basetemp="$work/stack" "$@" tests \
    "${QUICK[@]/#/--ignore=}"
stack=$?
wait "$quick"
others=$?
echo "---- unit and integration tests without fixed ports (pytest exit $others) ----"
cat "$work/quick.log"
if [ "$stack" -ne 0 ] || [ "$others" -ne 0 ]; then
    echo "FAILED: real-stack tests exit $stack, the others exit $others" >&2
    exit 1
fi
