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

# LUCIDITY_NO_FUEL=1: this node runs without fuel metering (our VM patch reads
# LUNATIC_NO_FUEL): CPU-bound jobs near native speed, jobs with a fuel limit
# refused with LUCIDITY_ENOFUEL. Anything but unset, 0 or 1 is a mistake.
case ${LUCIDITY_NO_FUEL:-0} in
  0) ;;
  1) export LUNATIC_NO_FUEL=1 ;;
  *) luc_die "LUCIDITY_NO_FUEL must be 0 or 1, not '$LUCIDITY_NO_FUEL'" ;;
esac

trap 'luc_stop' INT TERM HUP
