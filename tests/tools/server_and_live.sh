#!/usr/bin/env bash
# offloadkit-server as a user runs it, with offloadkit-live --server against it: the server prints
# its listening line, answers every request the client sent (the client counts them, the server's
# SIGTERM summary counts them), and the client loses no frame and misses no deadline.
# usage: server_and_live.sh BIN_DIR
set -u
bin=$1
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$bin/offloadkit-server" --listen 127.0.0.1:0 --workers 2 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 100); do grep -q '"listening"' "$tmp/server.out" && break; sleep 0.1; done
port=$(sed -n 's/.*"listening":\([0-9]*\).*/\1/p' "$tmp/server.out" | head -1)
[ -n "$port" ] || { echo "FAIL: no listening line"; cat "$tmp/server.err"; exit 1; }
"$bin/offloadkit-live" --server "127.0.0.1:$port" --seconds 3 --calibration-frames 100 --guard-ms 80 \
    >"$tmp/live.out" 2>"$tmp/live.err"
live_rc=$?
kill -TERM "$server_pid"
wait "$server_pid"
server_rc=$?
server_pid=
summary=$(grep '"summary"' "$tmp/live.out")
ssum=$(grep '"summary"' "$tmp/server.out")
echo "live:   $summary"
echo "server: $ssum"
fail=0
[ "$live_rc" = 0 ] || { echo "FAIL: offloadkit-live exit $live_rc"; cat "$tmp/live.err"; fail=1; }
[ "$server_rc" = 0 ] || { echo "FAIL: offloadkit-server exit $server_rc"; fail=1; }
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }
[ "$(field "$summary" lost)" = 0 ] || { echo "FAIL: frames lost"; fail=1; }
[ "$(field "$summary" deadline_misses)" = 0 ] || { echo "FAIL: deadline misses"; fail=1; }
[ "$(field "$summary" offloaded)" -gt 0 ] || { echo "FAIL: nothing offloaded"; fail=1; }
# every request the server read was answered, and it read exactly what the client offloaded
[ "$(field "$ssum" requests)" = "$(field "$ssum" answers)" ] || { echo "FAIL: requests != answers"; fail=1; }
[ "$(field "$ssum" requests)" = "$(field "$summary" offloaded)" ] || { echo "FAIL: server requests != client offloads"; fail=1; }
exit $fail
