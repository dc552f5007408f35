# Shared by entrypoint-control.sh and entrypoint-worker.sh (POSIX sh, sourced).
#
# lunatic 0.13.2 deregisters a node from control only on Ctrl-C (SIGINT); on
# SIGTERM it just dies and stays in every node list. So the entrypoints do not
# exec lunatic: they start it in the background and turn SIGTERM/SIGINT/SIGHUP into a
# SIGINT for each lunatic process, then wait for them to end.

LUNATIC=${LUCIDITY_LUNATIC:-lunatic}
export RUST_LOG="${RUST_LOG:-info}"
luc_children=

luc_die() { echo "lucidity entrypoint: $*" >&2; exit 2; }

luc_need() { eval "[ -n \"\${$1:-}\" ]" || luc_die "$1 is not set (see deploy/README.md)"; }

# HOST:PORT -> IP:PORT; HOST may be a name (fly-local-6pn, a compose service),
# since lunatic wants a socket address and registers it as the node's address.
luc_resolve() {
  port=${1##*:}
  host=${1%:*}
  host=${host#[}
  host=${host%]}
  case $host in
    *[!0-9.]*) case $host in *:*) ;; *)
      ip=$(getent ahosts "$host" 2>/dev/null | awk 'NR == 1 { print $1 }')
      [ -n "$ip" ] || luc_die "cannot resolve '$host'"
      host=$ip ;; esac ;;
  esac
  case $host in *:*) echo "[$host]:$port" ;; *) echo "$host:$port" ;; esac
}

luc_stop() {
  for pid in $luc_children; do kill -INT "$pid" 2>/dev/null; done
}

# Starts lunatic with the given arguments in the background.
luc_start() {
  "$LUNATIC" "$@" &
  luc_children="$luc_children $!"
  luc_last=$!
}

# Waits for process $1 to end (a trapped signal interrupts `wait`); returns its status.
luc_wait() {
  while :; do
    wait "$1"
    rc=$?
    kill -0 "$1" 2>/dev/null || return $rc
  done
}

# The cluster's admission keys (docs/cluster.md, "Security"): the patched VM
# reads them from files named by LUNATIC_CLUSTER_CA (the CA certificate),
# LUNATIC_CLUSTER_CA_KEY (its key: the control node only) and
# LUNATIC_CLUSTER_SECRET_FILE (the join secret). Platforms whose secrets are
# environment variables (fly secrets) give the contents instead, in
# LUCIDITY_CLUSTER_CA_PEM, LUCIDITY_CLUSTER_CA_KEY_PEM and LUNATIC_CLUSTER_SECRET:
# they are written to 0600 files in a private folder (removed on exit) and
# taken out of the environment, which lunatic passes on to the app it runs.
#   luc_keys control|worker
luc_keydir=
luc_keyfile() { # VAR_WITH_CONTENT FILE_NAME PATH_VAR
  eval "content=\${$1:-}"
  [ -n "$content" ] || return 0
  if [ -z "$luc_keydir" ]; then
    luc_keydir=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/lucidity-keys.XXXXXX") \
      || luc_die "cannot make a private folder for the cluster keys"
  fi
  (umask 077 && printf '%s\n' "$content" > "$luc_keydir/$2") || luc_die "cannot write $luc_keydir/$2"
  export "$3=$luc_keydir/$2"
  unset "$1" content
}
luc_keys() {
  luc_keyfile LUCIDITY_CLUSTER_CA_PEM ca.pem LUNATIC_CLUSTER_CA
  luc_keyfile LUNATIC_CLUSTER_SECRET secret LUNATIC_CLUSTER_SECRET_FILE
  if [ "$1" = control ]; then
    luc_keyfile LUCIDITY_CLUSTER_CA_KEY_PEM ca.key LUNATIC_CLUSTER_CA_KEY
  else
    # A worker never needs the CA key: it must not reach its lunatic or app.
    unset LUCIDITY_CLUSTER_CA_KEY_PEM LUNATIC_CLUSTER_CA_KEY
  fi
  vars="LUNATIC_CLUSTER_CA LUNATIC_CLUSTER_SECRET_FILE"
  [ "$1" = control ] && vars="$vars LUNATIC_CLUSTER_CA_KEY"
  for v in $vars; do
    luc_need "$v"
    eval "f=\$$v"
    [ -r "$f" ] || luc_die "$v: cannot read '$f'"
  done
}
# LUCIDITY_NO_FUEL=1: this node runs without fuel metering (our VM patch reads
# LUNATIC_NO_FUEL): CPU-bound jobs near native speed, jobs with a fuel limit
# refused with LUCIDITY_ENOFUEL. Anything but unset, 0 or 1 is a mistake.
case ${LUCIDITY_NO_FUEL:-0} in
  0) ;;
  1) export LUNATIC_NO_FUEL=1 ;;
  *) luc_die "LUCIDITY_NO_FUEL must be 0 or 1, not '$LUCIDITY_NO_FUEL'" ;;
esac

trap 'luc_stop' INT TERM HUP
trap '[ -z "$luc_keydir" ] || rm -rf "$luc_keydir"' EXIT
