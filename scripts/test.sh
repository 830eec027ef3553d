#!/usr/bin/env bash
# The test command: installs dependencies, builds, checks formatting, starts a scratch
# PostgreSQL 15 + PgBouncer, runs every ctest test and the layer check (scripts/check-layers.py),
# and exits non-zero if anything failed.
#
#   PGFLEET_SKIP_DEPS=1   skip scripts/install-deps.sh (fast local iteration)
#   CI=true               a formatting failure fails the run (locally it only warns)
#   PGFLEET_CTEST_ARGS    extra ctest arguments, e.g. "-R conninfo"
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [[ ${PGFLEET_SKIP_DEPS:-0} != 1 ]]; then
  ./scripts/install-deps.sh
fi

./scripts/build.sh

format_failed=0
if ! ./scripts/check-format.sh; then
  if [[ ${CI:-} == true ]]; then
    echo "test: FORMAT CHECK FAILED (CI=true makes this fatal); run clang-format -i on the files above"
    format_failed=1
  else
    echo "test: warning: format check failed (fatal only when CI=true); run clang-format -i on the files above"
  fi
fi

# shellcheck source=lib/scratch-pg.sh
source scripts/lib/scratch-pg.sh
trap scratch_pg_stop EXIT
trap 'scratch_pg_stop; exit 130' INT
trap 'scratch_pg_stop; exit 143' TERM
scratch_pg_start

export PGFLEET_BINARY=$repo/build/pgfleet
export PGFLEET_SOURCE_DIR=$repo

ctest_passed=0
ctest_failed=0
ctest_log=$(mktemp)
# shellcheck disable=SC2086 # PGFLEET_CTEST_ARGS is a list of words
ctest --test-dir build --output-on-failure -j"$(nproc)" ${PGFLEET_CTEST_ARGS:-} 2>&1 |
  tee "$ctest_log" || true
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$ctest_log" | tail -n1 || true)
rm -f "$ctest_log"
if [[ $summary =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
  ctest_failed=${BASH_REMATCH[1]}
  ctest_passed=$((BASH_REMATCH[2] - ctest_failed))
else
  echo "test: ctest did not report a result"
  ctest_failed=1
fi

# The layer rule of ARCHITECTURE.md, and proof that its check can fail.
check_passed=0
check_failed=0
for check in "scripts/check-layers.py" "scripts/check-layers.py --self-test"; do
  # shellcheck disable=SC2086 # a command with its arguments
  if python3 $check; then
    check_passed=$((check_passed + 1))
  else
    echo "FAIL $check"
    check_failed=$((check_failed + 1))
  fi
done

scratch_pg_stop
trap - EXIT INT TERM

passed=$((ctest_passed + check_passed))
failed=$((ctest_failed + check_failed + format_failed))
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
