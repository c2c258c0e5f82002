#!/usr/bin/env bash
# The fake NSX-v manager as a load target, against nginx (issue 17): how fast does
# `GET /api/4.0/edges/{id}` come back from fake-nsxv compared with nginx serving the same
# document as a static file? Both over plain HTTP keep-alive on 127.0.0.1, loaded by the same
# wrk (one thread, 8 connections) in alternated rounds: nginx, fake --threads 1, fake --threads 2
# (and --compare BIN --threads 1 when given). Both sides get one worker: nginx worker_processes 1
# against fake --threads 1; the 2-thread fake is reported beside it.
#
#   bench/fake_vs_nginx.sh [--seconds S] [--rounds R] [--fake BIN] [--compare BIN]
#                          [--nginx-file-cache]
#
# nginx serves the file with its defaults (it opens and reads the file for every request);
# --nginx-file-cache adds open_file_cache and sendfile, the faster setup.
#
# Prints each round, then per side the median requests/s, the ratio to nginx and the server's CPU
# time per request (user and system, from /proc/PID/stat around each wrk run: the fake's whole
# process, nginx's worker), the fake's thread count and the load average at start and end. Every process it starts is
# stopped on exit; everything it writes is in a temp dir that is removed. Needs nginx, wrk, curl
# and perl (Debian). Performance is never asserted here: the script fails only when a server
# does not start or answers something other than 200 with the same body size.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5
rounds=3
fake_bin=build/bin/fake-nsxv
compare_bin=
nginx_extra=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --fake) fake_bin=$2; shift 2 ;;
    --compare) compare_bin=$2; shift 2 ;;
    --nginx-file-cache) nginx_extra="open_file_cache max=16; sendfile on;"; shift ;;
    *) echo "fake_vs_nginx.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in nginx wrk curl perl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    { echo "fake_vs_nginx.sh: $tool not found (Debian package $tool)" >&2; exit 2; }
done
[ -x "$fake_bin" ] || { echo "fake_vs_nginx.sh: $fake_bin not built" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
chmod 755 "$tmp"  # nginx started by root serves from it as user nobody
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "fake_vs_nginx.sh: $*" >&2; exit 1; }
auth="Authorization: Basic $(printf admin:default | base64)"

# start_fake NAME BIN THREADS: sets url_NAME and pid_NAME.
start_fake() {
  local name=$1 bin=$2 threads=$3 url="" i
  "$bin" --http --listen 127.0.0.1:0 --threads "$threads" -q >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  printf -v "pid_$name" %s $!
  for i in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$tmp/$name.out")
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || die "$bin did not report its address: $(cat "$tmp/$name.err")"
  printf -v "url_$name" %s "$url"
}

# create_edge URL: deploys one edge (the shape of the API reference §1.1) and prints its path.
create_edge() {
  local body='{"name":"bench-edge","type":"gatewayServices","datacenterMoid":"datacenter-2",
    "appliances":{"applianceSize":"compact","appliances":[{"resourcePoolId":"domain-c7",
    "datastoreId":"datastore-12"}]},"vnics":{"vnics":[{"index":0,"name":"external",
    "type":"uplink","portgroupId":"dvportgroup-20","mtu":1500,"isConnected":true}]},
    "featureConfigs":{"features":[{"featureType":"firewall_4.0"},
    {"featureType":"loadbalancer_4.0","enabled":true}]},"cliSettings":{"remoteAccess":false}}'
  curl -sS -o /dev/null -D "$tmp/deploy.head" -H "$auth" -H 'Content-Type: application/json' \
    -X POST --data "$body" "$1/api/4.0/edges"
  grep -q '^HTTP/1.1 201' "$tmp/deploy.head" || die "deploy answered $(head -1 "$tmp/deploy.head")"
  sed -n 's/^Location: *\([^[:space:]]*\).*/\1/Ip' "$tmp/deploy.head"
}

free_port() {
  perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0)->sockport'
}

# worker_of PID: the child process of PID (nginx's one worker).
worker_of() {
  local f p ppid
  for f in /proc/[0-9]*/stat; do
    read -r p _ _ ppid _ <"$f" 2>/dev/null || continue
    [ "$ppid" = "$1" ] && echo "$p" && return 0
  done
  return 0
}

start_nginx() {
  local user="" port i attempt
  [ "$(id -u)" -eq 0 ] && user="user nobody nogroup;"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$user
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  default_type application/json;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  $nginx_extra
  client_body_temp_path $tmp/ngx-client;
  proxy_temp_path $tmp/ngx-proxy;
  fastcgi_temp_path $tmp/ngx-fastcgi;
  uwsgi_temp_path $tmp/ngx-uwsgi;
  scgi_temp_path $tmp/ngx-scgi;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
  }
}
EOF
    "$nginx_bin" -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" 2>>"$tmp/nginx.stderr" &
    local pid=$!
    for i in $(seq 100); do
      if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        pids+=("$pid")
        url_nginx="http://127.0.0.1:$port"
        pid_nginx=$(worker_of "$pid")
        [ -n "$pid_nginx" ] || die "no nginx worker process under $pid"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  die "nginx did not start: $(cat "$tmp/nginx.stderr" "$tmp/nginx-error.log" 2>/dev/null)"
}

# check URL: the GET answers 200 with the document's size.
check() {
  local got
  got=$(curl -sS -o "$tmp/check.body" -w '%{http_code} %{size_download}' -H "$auth" "$1$path")
  [ "$got" = "200 $size" ] || die "$1$path answered '$got', expected '200 $size'"
}

# measure SIDE: one wrk run against SIDE; prints "requests/s user_us sys_us" (per request).
measure() {
  local url_var="url_$1" pid_var="pid_$1" before after
  before=$(cut -d' ' -f14,15 "/proc/${!pid_var}/stat")
  wrk -t1 -c8 -d"${seconds}s" -H "$auth" -H 'Accept: application/json' "${!url_var}$path" \
    >"$tmp/wrk.out"
  after=$(cut -d' ' -f14,15 "/proc/${!pid_var}/stat")
  ! grep -q 'Non-2xx' "$tmp/wrk.out" || die "$1: $(grep Non-2xx "$tmp/wrk.out")"
  awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '
    /^ *[0-9]+ requests in/ {n = $1}
    /^Requests\/sec:/ {rate = $2}
    END {split(b, x, " "); split(a, y, " ");
         printf "%s %.2f %.2f", rate, (y[1] - x[1]) / hz * 1e6 / n, (y[2] - x[2]) / hz * 1e6 / n}
  ' "$tmp/wrk.out"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
sides=(nginx fake1 fake2)
start_fake fake1 "$fake_bin" 1
start_fake fake2 "$fake_bin" 2
if [ -n "$compare_bin" ]; then
  start_fake compare "$compare_bin" 1
  sides+=(compare)
fi
path=$(create_edge "$url_fake1")
[ "$(create_edge "$url_fake2")" = "$path" ] || die "the two fakes named the edge differently"
[ -z "$compare_bin" ] || [ "$(create_edge "$url_compare")" = "$path" ] ||
  die "--compare named the edge differently"
mkdir -p "$tmp/www/$(dirname "$path")"
curl -sS -f -o "$tmp/www/$path" -H "$auth" -H 'Accept: application/json' "$url_fake1$path"
chmod -R a+rX "$tmp/www"
size=$(stat -c %s "$tmp/www/$path")
start_nginx
for side in "${sides[@]}"; do
  url_var="url_$side"
  check "${!url_var}"
  cmp -s "$tmp/check.body" "$tmp/www/$path" || die "$side: the body differs from the static file"
done

echo "GET $path: $size bytes; wrk -t1 -c8 -d${seconds}s, $rounds round(s); $(nproc) cores;" \
  "load $load_start"
declare -A all usr sys
for r in $(seq "$rounds"); do
  line="round $r:"
  for side in "${sides[@]}"; do
    m=$(measure "$side")  # an assignment, so that a failed measure stops the script
    read -r v u k <<<"$m"
    all[$side]="${all[$side]:-} $v"
    usr[$side]="${usr[$side]:-} $u"
    sys[$side]="${sys[$side]:-} $k"
    line+=" $side $v"
  done
  echo "$line"
done

threads() { ls "/proc/$1/task" | wc -l; }
declare -A label=(
  [nginx]="nginx (worker_processes 1${nginx_extra:+, file cache})"
  [fake1]="fake --threads 1 ($(threads "$pid_fake1") threads)"
  [fake2]="fake --threads 2 ($(threads "$pid_fake2") threads)"
  [compare]="compare --threads 1"
)
nginx_rate=$(echo "${all[nginx]}" | median)
printf '%-40s %12s %8s %14s %13s\n' side "requests/s" "x nginx" "user us/req" "sys us/req"
for side in "${sides[@]}"; do
  rate=$(echo "${all[$side]}" | median)
  printf '%-40s %12.0f %8s %14s %13s\n' "${label[$side]}" "$rate" \
    "$(awk -v a="$rate" -v b="$nginx_rate" 'BEGIN {printf "%.2f", a / b}')" \
    "$(echo "${usr[$side]}" | median)" "$(echo "${sys[$side]}" | median)"
done
per_round=$(paste -d' ' <(echo "${all[fake1]}" | tr ' ' '\n' | grep .) \
  <(echo "${all[nginx]}" | tr ' ' '\n' | grep .) | awk '{printf " %.2f", $1 / $2}')
echo "fake --threads 1 / nginx per round:$per_round"
echo "median of $rounds round(s); load average $load_start -> $(cut -d' ' -f1-3 /proc/loadavg)"
