#!/usr/bin/env bash
# Runs the whole Gatehouse platform locally: PostgreSQL, the control plane, a gateway node and a demo upstream.
# Builds first when the sources are newer than the build. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
launcher=deploy/local/target/gatehouse-local-0.1.0-SNAPSHOT-all.jar
control_plane=management-api/target/quarkus-app/quarkus-run.jar
stale() {
  [ ! -f "$launcher" ] || [ ! -f "$control_plane" ] && return 0
  [ -n "$(find . -path ./.gatehouse -prune -o -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.sql' \
      -o -name '*.properties' -o -name '*.html' \) -newer "$launcher" -print -quit)" ]
}
if stale; then
  echo "gatehouse: building (first run takes a few minutes; output in .gatehouse/build.log)"
  mkdir -p -m 700 .gatehouse
  if ! ./mvnw -B -ntp -DskipTests install >.gatehouse/build.log 2>&1; then
    tail -n 40 .gatehouse/build.log >&2
    echo "gatehouse: the build failed; the whole output is in .gatehouse/build.log" >&2
    exit 1
  fi
fi
exec java -jar "$launcher"
