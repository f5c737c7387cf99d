#!/usr/bin/env bash
# Server time per call of the shipped scripts beside a plain SET, from INFO commandstats, in one run
# on one redis-server started here on a free loopback port. The machine is shared and noisy: read
# the ratio to SET, not the absolute microseconds. When a C compiler is installed, the server also
# loads the tests' stand-in for redis-cell's module (a C CL.THROTTLE checked against the real
# module's recorded calls), and the module path (batch.lua asking CL.THROTTLE) is measured too.
#
#   tools/script-server-cost.sh [calls=200000]
set -euo pipefail
calls=${1:-200000}
here=$(cd "$(dirname "$0")/.." && pwd)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
module=()
standin=/tmp/rc-cost-standin-$port.so
if command -v cc >/dev/null 2>&1; then
  cc -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -shared -fPIC -o "$standin" "$here/tests/RedisCell.Aspects.TestServers/ClThrottleModule/cl_throttle_standin.c"
  module=(--loadmodule "$standin")
fi
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "/tmp/rc-cost-$port.pid" "${module[@]}" >/dev/null
trap 'kill "$(cat /tmp/rc-cost-'"$port"'.pid)" 2>/dev/null || true; rm -f "$standin"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
cli() { redis-cli -p "$port" "$@"; }

gcra=$(cli script load "$(cat "$here/src/RedisCell.Aspects/Gcra/cl_throttle.lua")")
window=$(cli script load "$(cat "$here/src/RedisCell.Aspects/FixedWindow/fixed_window.lua")")
naive=$(cli script load "$(cat "$here/tools/baselines/straightforward_gcra.lua")")
# batch.lua as the limiter composes it: the two scripts' functions, then the batch driver.
functions() { sed '/^-- @entry/,$d' "$here/src/RedisCell.Aspects/$1"; }
batch=$(cli script load "$(functions Gcra/cl_throttle.lua; functions FixedWindow/fixed_window.lua; cat "$here/src/RedisCell.Aspects/Redis/batch.lua")")
batch_args() { # n [clock]: n GCRA decisions on random keys, as the limiter sends them ('m': through CL.THROTTLE)
  local keys="" args=""
  for i in $(seq "$1"); do keys="$keys batch$i:__rand_int__"; args="$args g 1000000 1000000 3600 1"; done
  echo "$1 $keys ${2:-''} $args"
}
evalsha_us() { cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p'; }
bench() { redis-benchmark -p "$port" -n "$calls" -c 8 -P 1 -r 1000 -q "$@" >/dev/null; }

cli config resetstat >/dev/null
bench SET key:__rand_int__ v
# Allowed: 1000 keys, each allowed at a high rate (burst 1e6, 1e6 per hour).
bench EVALSHA "$gcra" 1 gcra:__rand_int__ 1000000 1000000 3600 1
# Limited: one key at one request per hour, so all but the first call are refused.
bench EVALSHA "$gcra" 1 gcra-hot 0 1 3600 1
cli config resetstat >/dev/null
bench SET key:__rand_int__ v
set_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_set:.*usec_per_call=\([0-9.]*\).*/\1/p')
bench EVALSHA "$gcra" 1 gcra:__rand_int__ 1000000 1000000 3600 1
allowed_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
cli config resetstat >/dev/null
bench EVALSHA "$gcra" 1 gcra-hot 0 1 3600 1
limited_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
cli config resetstat >/dev/null
bench EVALSHA "$window" 1 window:__rand_int__ 1000000000 60000 1
window_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
cli config resetstat >/dev/null
bench EVALSHA "$naive" 1 naive:__rand_int__ 1000000 1000000 3600 1
naive_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
cli config resetstat >/dev/null
eval "bench EVALSHA $batch $(batch_args 1)"
batch1_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
cli config resetstat >/dev/null
calls_saved=$calls; calls=$((calls / 25))
eval "bench EVALSHA $batch $(batch_args 25)"
calls=$calls_saved
batch25_us=$(python3 -c "print(round($(evalsha_us) / 25, 2))")
rows=("SET:$set_us" "straightforward GCRA script:$naive_us" "cl_throttle.lua allowed:$allowed_us" "cl_throttle.lua limited:$limited_us" "fixed_window.lua allowed:$window_us" "batch.lua, 1 GCRA decision:$batch1_us" "batch.lua, 25 decisions, each:$batch25_us")

if [ ${#module[@]} -gt 0 ]; then
  cli config resetstat >/dev/null
  bench CL.THROTTLE module:__rand_int__ 1000000 1000000 3600 1
  module_us=$(cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_cl.throttle:.*usec_per_call=\([0-9.]*\).*/\1/p')
  cli config resetstat >/dev/null
  eval "bench EVALSHA $batch $(batch_args 1 m)"
  module1_us=$(evalsha_us)
  cli config resetstat >/dev/null
  calls_saved=$calls; calls=$((calls / 25))
  eval "bench EVALSHA $batch $(batch_args 25 m)"
  calls=$calls_saved
  module25_us=$(python3 -c "print(round($(evalsha_us) / 25, 2))")
  rows+=("CL.THROTTLE (stand-in) alone:$module_us" "batch.lua via CL.THROTTLE, 1:$module1_us" "batch.lua via CL.THROTTLE, 25, each:$module25_us")
fi

printf '%-38s %8s %8s\n' "command ($calls calls)" "µs/call" "× SET"
for row in "${rows[@]}"; do
  name=${row%%:*}; us=${row##*:}
  printf '%-38s %8s %8.1f\n' "$name" "$us" "$(python3 -c "print($us/$set_us)")"
done
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
