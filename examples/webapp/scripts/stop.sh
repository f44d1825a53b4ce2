#!/bin/sh
# Stop the service the previous revision started (CodeDeploy runs the previous revision's ApplicationStop).
APP="$DEPLOYQ_INSTALL_ROOT/srv/webapp"
if [ -f "$APP/server.pid" ]; then
  kill "$(cat "$APP/server.pid")" 2>/dev/null || true
  rm -f "$APP/server.pid"
fi
# wait until the port is free
for _ in 1 2 3 4 5 6 7 8 9 10; do
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $DEPLOYQ_TAG_PORT)) != 0)" || exit 0
  sleep 0.2
done
echo "stopped"
