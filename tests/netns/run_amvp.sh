#!/usr/bin/env bash
# Root-only: offloadkit-amvp-run --netns (issue 18 §3) runs a placement whose shared part 1 (P1)
# feeds two part 2s (P2) across a link shaped by tc tbf in a fresh network namespace (loopback
# MTU 1500), then the bandwidth drops to 10 Mbit/s mid-run (--change-at) and it re-plans. Checks:
# the links were shaped, the change re-planned (a phase-1 placement and its measured tasks), every
# (frame, task) pair ended exactly once (lost 0, duplicates 0), labels equal the in-process ones.
# Not root, no iproute2, netns or tbf: exit 77 (ctest SKIP_RETURN_CODE) with the reason.
#
# usage: run_amvp.sh TOOL
set -u
tool=$1
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root (network namespaces and tc need CAP_NET_ADMIN)"
command -v ip >/dev/null || skip "'ip' not found (Debian package iproute2)"
command -v tc >/dev/null || skip "'tc' not found (Debian package iproute2)"
[ -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || skip "no Fashion-MNIST (dataset-fashion-mnist)"
out=$("$tool" --tasks class10,coarse4 --compute P1=0.3 --compute P2=0.2 --compute P3=0 --bandwidth-mbps 100 \
  --throughput-goal 1000 --latency-goal-ms 2 --shares duty --frames 200 --change-at 100:bandwidth:10 --netns \
  --check-in-process 2>"${TMPDIR:-/tmp}/amvp_netns.$$.err")
rc=$?
err=$(cat "${TMPDIR:-/tmp}/amvp_netns.$$.err"); rm -f "${TMPDIR:-/tmp}/amvp_netns.$$.err"
echo "$out"; echo "$err"
[ "$rc" = 77 ] && skip "$err"
fail=0
check() { if ! grep -q -- "$2" <<<"$out"; then echo "FAIL: $1"; fail=1; fi; }
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; fail=1; }
check "links not shaped" '"links":"tc tbf per destination device'
check "phase 0 does not send quantized features over the link" '"compressed":true,.*"event":"placement","phase":0'
check "no change event" '"event":"change","frame":100,"what":"bandwidth"'
check "no re-plan" '"event":"plan","phase":1'
check "phase 1 not measured" '"event":"task","phase":1'
check "frames lost or duplicated" '"lost":0,"duplicates":0,"accounted":true'
check "labels differ from the in-process run" '"label_mismatches":0'
[ "$fail" = 0 ] && echo "PASS: amvp_run"
exit $fail
