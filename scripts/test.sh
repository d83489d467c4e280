#!/usr/bin/env bash
# The tests, as `make test` runs them: three pytest sessions side by side on the two cores.
# - the quick ones (unit, the store's and the web API's on embedded PostgreSQL over a unix
#   socket, the wheel: QUICK), which need no fixed port, in the background, their output
#   shown at the end;
# - the real-stack ones (tests/e2e, tests/integration/asterisk, and any new folder:
#   Asterisk, sipp, Chromium on fixed loopback ports, one session per network namespace
#   under tests/conftest.py's lock) in two halves: OTHER_NET in a network namespace of its
#   own (`unshare --net`, its loopback up and a veth: the same addresses and ports, apart),
#   in the background; every other file in front. Most of their time is spent waiting
#   (rings, timers, a database away for a minute), so the halves overlap well on two cores.
#   Without namespaces (no CAP_SYS_ADMIN) the second half waits for the first's lock.
# Fails when any fails. Usage: scripts/test.sh VENV_BIN [pytest options for all]
set -uo pipefail
cd "$(dirname "$0")/.."
bin=$1
shift
work=$(mktemp -d /tmp/centralino-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
QUICK=(tests/unit tests/integration/store tests/integration/web tests/integration/test_wheel.py)
# About half of the real-stack time (from per-file durations); new files run in
# front until moved here.
OTHER_NET=(tests/e2e/test_callbacks.py tests/e2e/test_restart.py tests/e2e/test_kiosk.py
           tests/e2e/test_database_outage.py tests/e2e/test_fallback.py tests/e2e/test_consult.py
           tests/e2e/test_website_callbacks.py
           tests/e2e/test_privacy.py tests/e2e/test_callback_hours.py)

"$bin/pytest" -q -rs -p no:cacheprovider --basetemp="$work/quick" "$@" "${QUICK[@]}" \
    >"$work/quick.log" 2>&1 &
quick=$!

# The namespace's loopback, and a veth pair: WebRTC's ICE needs an interface that is not
# loopback (Asterisk offers the browser no candidate without one).
namespace='ip link set lo up && ip link add apart0 type veth peer name apart1 &&
  ip addr add 198.51.100.1/24 dev apart0 && ip link set apart0 up && ip link set apart1 up &&
  exec "$@"'
apart=()
if unshare --net sh -c "$namespace" sh true 2>/dev/null; then
    apart=(unshare --net sh -c "$namespace" sh env CENTRALINO_PORT_LOCK="$work/apart.lock")
fi
"${apart[@]}" "$bin/pytest" -q -rs -p no:cacheprovider --durations=20 \
    --basetemp="$work/apart" "$@" "${OTHER_NET[@]}" >"$work/apart.log" 2>&1 &
other_net=$!

"$bin/pytest" -q -rs -p no:cacheprovider --durations=30 --basetemp="$work/stack" "$@" tests \
    "${QUICK[@]/#/--ignore=}" "${OTHER_NET[@]/#/--ignore=}"
stack=$?
wait "$other_net"
apart_exit=$?
wait "$quick"
others=$?
echo "---- real-stack tests in a network namespace of their own (pytest exit $apart_exit) ----"
cat "$work/apart.log"
echo "---- unit and integration tests without fixed ports (pytest exit $others) ----"
cat "$work/quick.log"
if [ "$stack" -ne 0 ] || [ "$apart_exit" -ne 0 ] || [ "$others" -ne 0 ]; then
    echo "FAILED: real-stack tests exit $stack and $apart_exit, the others exit $others" >&2
    exit 1
fi
