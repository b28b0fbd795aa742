#!/usr/bin/env bash
# Lighthouse (mobile preset) on the demo store and one of its product pages, served by gunicorn on loopback.
# Prints one "name: score" line per page and category (0-100). Needs node/npm and Debian's chromium.
# Usage: bench/lighthouse.sh [store-slug]   (JSON reports are kept in $OUT, default test-artifacts/lighthouse)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SLUG="${1:-meis-picks}"
PORT="${LIGHTHOUSE_PORT:-8799}"
OUT="${OUT:-$ROOT/test-artifacts/lighthouse}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
LH="$ROOT/bench/lighthouse/node_modules/.bin/lighthouse"

if [ ! -x "$LH" ]; then
  (cd "$ROOT/bench/lighthouse" && npm ci --no-audit --no-fund --silent)
fi
mkdir -p "$OUT"

# A throwaway instance: its own SQLite database, queue file and uploads, with the demo data.
WORK="$(mktemp -d /tmp/sharestall-lighthouse.XXXXXX)"
export INSTANCE_PATH="$WORK" HUEY_DB="$WORK/huey.db" DATABASE_URL="sqlite:///$WORK/shop.db"
export HTMX_CDN=0 BASE_URL="http://127.0.0.1:$PORT" LOG_FORMAT=json GUNICORN_ACCESS_LOG=""
export PROMETHEUS_MULTIPROC_DIR="$WORK/metrics"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
cd "$ROOT"
.venv/bin/flask --app app db upgrade >/dev/null 2>&1
.venv/bin/flask --app app demo load >/dev/null 2>&1

BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 .venv/bin/gunicorn -c gunicorn.conf.py app:app >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "the server did not start:"; tail -20 "$WORK/server.log"; exit 1; }

BASE="http://127.0.0.1:$PORT"
PRODUCT="$(curl -fs "$BASE/s/$SLUG" | grep -o "/s/$SLUG/p/[^\"?]*" | head -n 1)"

run() {
  local name="$1" url="$2"
  "$LH" "$url" --quiet --output=json --output-path="$OUT/$name.json" \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless --no-sandbox --disable-gpu" >/dev/null 2>&1
  .venv/bin/python - "$name" "$OUT/$name.json" <<'EOF'
import json, sys

name, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
for key, category in report["categories"].items():
    print(f"{name}.{key}: {round((category['score'] or 0) * 100)}")
    for ref in category["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
            print(f"  below 90: {ref['id']} ({audit['score']}) {audit.get('displayValue', '')}")
EOF
}

run store "$BASE/s/$SLUG"
run product "$BASE$PRODUCT"
