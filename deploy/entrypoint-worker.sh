#!/bin/sh
# A lucidity worker node: registers with the control node and runs the jobs
# that app nodes send it.
#
#   LUCIDITY_CONTROL_URL  control node, e.g. http://10.0.0.1:3030/      (required)
#   LUCIDITY_NODE_ADDR    IP:PORT (UDP, QUIC) this node binds and registers as;
#                         other nodes connect to it, so it must be an address they
#                         reach: never 0.0.0.0. A host name is resolved.   (required)
#   LUCIDITY_LUNATIC      the lunatic 0.13.2 binary (default: lunatic on PATH)
#   LUCIDITY_NO_FUEL      1: run jobs without fuel metering (near native speed;
#                         jobs with a fuel limit fail with LUCIDITY_ENOFUEL)
#                         (default: 0, metered)
#   RUST_LOG              lunatic's log level (default: info)
#   LUNATIC_CLUSTER_CA, LUNATIC_CLUSTER_SECRET_FILE
#                         the cluster's CA certificate and join secret (files), or
#                         their contents in LUCIDITY_CLUSTER_CA_PEM and
#                         LUNATIC_CLUSTER_SECRET (fly secrets); a worker never
#                         gets the CA key                                  (required)
#
# SIGTERM, SIGINT or SIGHUP stop the node with a Ctrl-C, so it deregisters.
set -u
. "$(dirname "$0")/common.sh"
luc_need LUCIDITY_CONTROL_URL
luc_need LUCIDITY_NODE_ADDR
luc_keys worker
addr=$(luc_resolve "$LUCIDITY_NODE_ADDR") || exit 2

luc_start node "$LUCIDITY_CONTROL_URL" --bind-socket "$addr"
luc_wait "$luc_last"
