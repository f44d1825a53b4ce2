#!/bin/sh
# Start the service on this host's port (the agent's tag port=..., given to hooks as DEPLOYQ_TAG_PORT).
set -e
APP="$DEPLOYQ_INSTALL_ROOT/srv/webapp"
nohup python3 "$APP/server.py" "$DEPLOYQ_TAG_PORT" > "$APP/server.log" 2>&1 &
echo $! > "$APP/server.pid"
echo "started $(cat "$APP/VERSION") on port $DEPLOYQ_TAG_PORT"
