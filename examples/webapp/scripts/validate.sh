#!/bin/sh
# Check that the service answers with the version just installed (FAIL_ON, if present, names a host
# where validation must fail: the demo's broken v3).
APP="$DEPLOYQ_INSTALL_ROOT/srv/webapp"
if [ -f "$APP/FAIL_ON" ] && [ "$(cat "$APP/FAIL_ON")" = "$DEPLOYQ_HOST" ]; then
  echo "validation fails on $DEPLOYQ_HOST on purpose" >&2
  exit 1
fi
expected="$(cat "$APP/VERSION")"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  got="$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$DEPLOYQ_TAG_PORT/', timeout=1).read().decode().strip())" 2>/dev/null)"
  [ "$got" = "$expected" ] && { echo "serving $got"; exit 0; }
  sleep 0.25
done
echo "expected $expected, got '$got'" >&2
exit 1
