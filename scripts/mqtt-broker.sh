#!/bin/sh
# Start a Mosquitto broker on 127.0.0.1:1883 unless one already listens there: the MQTT
# tests (tests/gateway/test_mqtt.py) need it, and with CI=true they fail without it.
# The broker listens on the loopback address only, keeps its sessions in a private
# folder, and runs in the background (mosquitto -d).
set -eu
port=${MQTT_PORT:-1883}
listening() {
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null
}
if listening; then
  echo "MQTT broker already listening on 127.0.0.1:$port"
  exit 0
fi
bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ ! -x "$bin" ]; then
  echo "mosquitto is not installed (make setup installs it: scripts/system-deps.sh)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/tracker-mosquitto.XXXXXX)
cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
log_dest file $dir/mosquitto.log
user $(id -un)
CONF
"$bin" -d -c "$dir/mosquitto.conf"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  if listening; then
    echo "started mosquitto on 127.0.0.1:$port ($dir)"
    exit 0
  fi
  sleep 0.5
done
echo "mosquitto did not start; see $dir/mosquitto.log" >&2
exit 1
