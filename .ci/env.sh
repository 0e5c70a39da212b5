# Sourced by the project's scripts: makes a fresh Debian machine able to build and test isovm.
#  - installs what is missing (clang/libclang for RocksDB's bindings, RabbitMQ for the tests);
#  - points the v8 crate at the prebuilt library in ../shared/v8 when it is there (offline
#    machines), and otherwise leaves the crate's normal download alone.

isovm_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

isovm_apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "isovm: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

isovm_v8_archive() {
  local lib="$isovm_root/../shared/v8/librusty_v8_release_x86_64-unknown-linux-gnu.a.gz"
  if [ -z "${RUSTY_V8_ARCHIVE:-}" ] && [ -f "$lib" ]; then
    RUSTY_V8_ARCHIVE=$(realpath "$lib")
    export RUSTY_V8_ARCHIVE
  fi
}

# Starts a RabbitMQ node on loopback unless ISOVM_AMQP_URL already names a broker.
isovm_rabbitmq() {
  if [ -n "${ISOVM_AMQP_URL:-}" ]; then
    return 0
  fi
  export ISOVM_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
  if rabbitmqctl -q await_startup --timeout 2 >/dev/null 2>&1; then
    return 0
  fi
  echo "isovm: starting RabbitMQ on 127.0.0.1:5672" >&2
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
  # await_startup gives up at once while the node is not yet registered: poll until it is.
  local deadline=$((SECONDS + 180))
  until rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "isovm: RabbitMQ did not start within 180 s" >&2
      rabbitmqctl status >&2 || true
      return 1
    fi
    sleep 1
  done
}
