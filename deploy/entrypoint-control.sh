#!/bin/sh
# The control node plus the app node on one host: `lunatic control`, then
# `lunatic node --wasm APP` once control listens. The app node keeps running
# after the app's main returns (lunatic 0.13.2 does so); with
# LUCIDITY_EXIT_MARKER set, an app linked with the lucidity runtime prints one
# "MARKER STATUS" line as it ends (see `lucidity run` in the top README).
#
#   LUCIDITY_CONTROL_BIND  IP:PORT (TCP, plain HTTP) control listens on  (required)
#   LUCIDITY_CONTROL_URL   how nodes reach control
#                          (default: http://$LUCIDITY_CONTROL_BIND/)
#   LUCIDITY_NODE_ADDR     IP:PORT (UDP) of the app node; as for a worker  (required)
#   LUCIDITY_APP           the app module (default: /opt/lucidity/app.wasm)
#   LUCIDITY_LUNATIC, LUCIDITY_NO_FUEL, RUST_LOG   as for entrypoint-worker.sh
#   LUNATIC_CLUSTER_CA, LUNATIC_CLUSTER_CA_KEY, LUNATIC_CLUSTER_SECRET_FILE
#                          the cluster's CA certificate, CA key and join secret
#                          (files; `tools/lucidity keys DIR` makes them), or their
#                          contents in LUCIDITY_CLUSTER_CA_PEM,
#                          LUCIDITY_CLUSTER_CA_KEY_PEM, LUNATIC_CLUSTER_SECRET
#                          (fly secrets)                                     (required)
#   other variables (e.g. the app's own settings) reach the app: every lunatic
#   node passes its environment on to the processes it runs.
#
# SIGTERM, SIGINT or SIGHUP stop both with a Ctrl-C. The script ends when the app node
# ends; if control dies first, the app node keeps running (see deploy/README.md).
set -u
. "$(dirname "$0")/common.sh"
luc_need LUCIDITY_CONTROL_BIND
luc_need LUCIDITY_NODE_ADDR
luc_keys control
bind=$(luc_resolve "$LUCIDITY_CONTROL_BIND") || exit 2
addr=$(luc_resolve "$LUCIDITY_NODE_ADDR") || exit 2
url=${LUCIDITY_CONTROL_URL:-http://$bind/}
app=${LUCIDITY_APP:-/opt/lucidity/app.wasm}
[ -r "$app" ] || luc_die "LUCIDITY_APP '$app' is not readable"

luc_start control --bind-socket "$bind"
control=$luc_last

# Wait (up to 10 s) until control listens: its port in LISTEN state (0A) in /proc.
port=$(printf '%04X' "${bind##*:}")
i=0
until grep -q "^ *[0-9]*: [0-9A-F]*:$port [0-9A-F]*:[0-9A-F]* 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
  kill -0 "$control" 2>/dev/null || luc_die "control exited"
  i=$((i + 1))
  [ $i -le 200 ] || { luc_stop; luc_die "control does not listen on $bind"; }
  sleep 0.05
done

# The app node (and so the app, which sees the node's environment) gets no CA key.
unset LUNATIC_CLUSTER_CA_KEY
luc_start node "$url" --bind-socket "$addr" --wasm "$app"
luc_wait "$luc_last"
rc=$?
luc_stop
luc_wait "$control"
exit $rc
