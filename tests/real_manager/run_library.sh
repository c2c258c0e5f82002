#!/usr/bin/env bash
# Real-manager parity (issue 16): every library scenario that real-manager mode accepts is run
# with --backend https://... against the standalone fake (fake-nsxv), which stands in for a real
# manager, and must give the verdict it gives in process (the library passes in process).
# Scenarios real-manager mode refuses (server-side faults, initial backend state, backend steps,
# virtual time) are listed as not accepted. Each scenario gets a fresh fake.
#
# Usage: run_library.sh NSXV_MD FAKE_NSXV SCENARIO_DIR
set -euo pipefail
md=$1
fake=$2
dir=$3
work=$(mktemp -d)
fake_pid=""
cleanup() {
  if [[ -n $fake_pid ]]; then kill "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

runs=0
start_fake() {
  # A file of its own per start: the shell may read before the child has truncated a reused one.
  runs=$((runs + 1))
  local log="$work/fake.$runs.out"
  "$fake" --listen 127.0.0.1:0 --user ops --password stand-in -q >"$log" 2>&1 &
  fake_pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on //p' "$log" | head -n 1)
    [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { echo "fake-nsxv did not start:"; cat "$log"; exit 1; }
}

stop_fake() {
  kill "$fake_pid" 2>/dev/null || true
  wait "$fake_pid" 2>/dev/null || true
  fake_pid=""
}

# The scenario base settings (scenarios/runner.cc ScenarioBaseConfig) as an operator's nsx.ini.
cat >"$work/nsx.ini" <<INI
[nsxv]
user = ops
password = stand-in
insecure = true
mgt_net_moid = dvportgroup-mgmt
mgt_net_proxy_ips = 10.10.0.11,10.10.0.12
mgt_net_proxy_netmask = 255.255.255.0
mgt_net_default_gateway = 10.10.0.1
nova_metadata_ips = 10.20.0.5
metadata_shared_secret = scenario-secret
vdn_scope_id = vdnscope-1
external_network = dvportgroup-ext
datacenter_moid = datacenter-2
resource_pool_id = domain-c7
datastore_id = datastore-1
INI

accepted=0
passed=0
refused=0
failed=()
start=$(date +%s)
for file in "$dir"/*.json; do
  name=$(basename "$file" .json)
  start_fake
  set +e
  "$md" scenario run "$file" --backend "$url" --config "$work/nsx.ini" --allow-changes \
    >"$work/out" 2>&1
  rc=$?
  set -e
  stop_fake
  if [[ $rc -eq 2 ]] && grep -qE "needs the fake|needs a fake backend" "$work/out"; then
    refused=$((refused + 1))
    echo "not accepted  $name"
    continue
  fi
  accepted=$((accepted + 1))
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    echo "pass          $name"
  else
    failed+=("$name")
    echo "FAIL          $name (exit $rc)"
    sed 's/^/    /' "$work/out" | tail -n 30
  fi
done
echo "real-manager mode: $passed of $accepted accepted scenarios pass ($refused not accepted)" \
  "in $(($(date +%s) - start)) s"
[[ ${#failed[@]} -eq 0 ]]
