#!/usr/bin/env bash
# HTTP/2 over TLS: the gateway against nginx (listen ... ssl http2, proxy_pass to the same upstream), loaded with h2load
# in interleaved rounds so machine drift cancels out. The upstream is nginx answering a fixed 128-byte JSON body, as in
# ../shared/bench/proxy-compare.sh; both proxies speak HTTP/1.1 to it. The gateway runs bench/standalone-gateway.sh with
# the certificate in BENCH_TLS_CERT/BENCH_TLS_KEY (one API, one key checked on every request).
#
# usage: [GATEWAY_JAR=JAR] bench/h2.sh [-d SECONDS] [-r ROUNDS] [-c CONNECTIONS] [-m STREAMS_PER_CONNECTION]
# needs: nginx, openssl, curl, h2load (Debian: nghttp2-client)
# Last line: RESULT h2_gateway_vs_nginx_rps=R
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="${GATEWAY_JAR:-$root/gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar}"
dur=8; rounds=3; conns=16; streams=10
while [ $# -gt 0 ]; do
  case "$1" in
    -d) dur="$2"; shift 2 ;; -r) rounds="$2"; shift 2 ;; -c) conns="$2"; shift 2 ;; -m) streams="$2"; shift 2 ;;
    *) echo "h2.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v h2load >/dev/null || { echo "h2.sh: h2load missing (apt-get install -y nghttp2-client)" >&2; exit 2; }
[ -f "$jar" ] || { echo "h2.sh: build the gateway first (./mvnw -B -ntp -pl gateway-node -am package -DskipTests)" >&2; exit 2; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
work=$(mktemp -d); up_port=$(free_port); ng_port=$(free_port); gw_port=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
body='{"id":12345,"name":"gatehouse-bench","items":[1,2,3,4,5,6,7,8],"ok":true,"pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}'
body=$(printf '%-128s' "$body")
cat >"$work/up.conf" <<NG
worker_processes 1; daemon off; pid $work/up.pid; error_log $work/up-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$up_port; location / { default_type application/json; return 200 '$body'; } } }
NG
cat >"$work/proxy.conf" <<NG
worker_processes auto; daemon off; pid $work/ng.pid; error_log $work/ng-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$up_port; keepalive 256; }
  server { listen 127.0.0.1:$ng_port ssl http2; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; http2_max_concurrent_streams 128;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NG
key="ghk_benchbenchbenchbenchbenchbenchbenchbenchben"
setsid nginx -c "$work/up.conf" >/dev/null 2>&1 & pids+=($!)
setsid nginx -c "$work/proxy.conf" >/dev/null 2>&1 & pids+=($!)
BENCH_UPSTREAM_URL="http://127.0.0.1:$up_port" BENCH_TLS_CERT="$work/cert.pem" BENCH_TLS_KEY="$work/key.pem" \
  setsid "$root/bench/standalone-gateway.sh" "$jar" "$gw_port" "$key" >"$work/gateway.log" 2>&1 & pids+=($!)
declare -A target=( [nginx]="https://127.0.0.1:$ng_port/bench/hello" [gateway]="https://127.0.0.1:$gw_port/bench/hello" )
for t in nginx gateway; do
  for i in $(seq 1 240); do
    [ "$(curl -sk --http2 -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "${target[$t]}")" = 200 ] && break
    [ "$i" = 240 ] && { echo "h2.sh: $t did not answer" >&2; tail -n 20 "$work/gateway.log" >&2; exit 1; }
    sleep 0.25
  done
done
run() { # target, seconds -> "target rps"
  local out rps
  out=$(h2load -c "$conns" -m "$streams" -t 2 -D "$2" -H "X-API-Key: $key" "${target[$1]}" 2>&1 || true)
  rps=$(echo "$out" | awk '/^finished in/{for(i=1;i<=NF;i++) if($i=="req/s,") print $(i-1)}')
  local ok; ok=$(echo "$out" | awk '/^status codes:/{print $3}')
  echo "$1 ${rps:-0} ${ok:-0}"
}
echo "warm-up: ${dur}s per target" >&2
run nginx "$dur" >/dev/null; run gateway "$dur" >/dev/null; run gateway "$dur" >/dev/null
: >"$work/h2.txt"
for r in $(seq 1 "$rounds"); do
  for t in nginx gateway; do run "$t" "$dur" | tee -a "$work/h2.txt" | sed "s/^/round $r: /" >&2; done
done
median() { sort -n | awk '{a[NR]=$1} END{ if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
ratio=$(paste <(awk '$1=="gateway"{print $2}' "$work/h2.txt") <(awk '$1=="nginx"{print $2}' "$work/h2.txt") | awk '$2>0{print $1/$2}' | median)
echo "h2 gateway rps (median): $(awk '$1=="gateway"{print $2}' "$work/h2.txt" | median); nginx: $(awk '$1=="nginx"{print $2}' "$work/h2.txt" | median)"
printf 'RESULT h2_gateway_vs_nginx_rps=%.3f\n' "$ratio"
