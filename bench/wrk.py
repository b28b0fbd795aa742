"""The wrk scenarios: Lua scripts that report p50/p95/p99, throughput and errors as one JSON line."""
import json
import os
import subprocess
import tempfile

REPORT = r"""
threads = {}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local orders, failures = 0, 0
  for _, t in ipairs(threads) do
    orders = orders + (t:get("orders") or 0)
    failures = failures + (t:get("failures") or 0)
  end
  io.write(string.format(
    '\n{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"bad_status": %d, "socket_errors": %d, "orders": %d, "failures": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    orders, failures))
end
"""

# GET one of several paths in turn (BENCH_PATHS, separated by spaces).
ROTATE = r"""
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS"), "%S+") do table.insert(paths, p) end
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", paths[(n + (id or 0)) % #paths + 1])
end
"""

# POST the same form (BENCH_BODY) to BENCH_PATHS[1].
POST = r"""
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.path = os.getenv("BENCH_PATHS")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""

# POST to BENCH_PATHS as one customer after another: BENCH_COOKIES and BENCH_CSRFS, one per line, in step.
# The form is BENCH_BODY followed by "&variant_id=" and one of BENCH_VARIANTS in turn: each customer adds one
# variant after another, so a tap nearly always changes the cart (99 of one variant is as far as a line goes).
POST_ROTATING_COOKIES = r"""
local cookies, csrfs, variants = {}, {}, {}
for c in string.gmatch(os.getenv("BENCH_COOKIES"), "[^\n]+") do table.insert(cookies, c) end
for c in string.gmatch(os.getenv("BENCH_CSRFS"), "[^\n]+") do table.insert(csrfs, c) end
for v in string.gmatch(os.getenv("BENCH_VARIANTS"), "%d+") do table.insert(variants, v) end
local path, body = os.getenv("BENCH_PATHS"), os.getenv("BENCH_BODY")
local n = 0
function request()
  n = n + 1
  local i = (n * 2 + (id or 0)) % #cookies + 1
  local variant = variants[(n * 7 + (id or 0)) % #variants + 1]
  return wrk.format("POST", path, {["Cookie"] = cookies[i], ["Content-Type"] = "application/x-www-form-urlencoded"},
    "csrf_token=" .. csrfs[i] .. "&" .. body .. "&variant_id=" .. variant)
end
"""

# One order after another on each connection (run with as many threads as connections): add a variant
# to a new cart, check out as a guest, pay on the demo page. Counts the orders that reached the order page.
CHECKOUT = r"""
local base_cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local slug = os.getenv("BENCH_STORE")
local variants = {}
for v in string.gmatch(os.getenv("BENCH_VARIANTS"), "%d+") do table.insert(variants, v) end
local customer = "&customer_name=Bench+Buyer&email=buyer%40bench.example&phone=%2B1+555+0100" ..
  "&address1=1+Main+Street&city=Springfield&postcode=12345&country=US"
local form_type = "application/x-www-form-urlencoded"
local step, n, cookie, pay_path = 1, 0, nil, nil
orders, failures = 0, 0

function request()
  if step == 1 then
    n = n + 1
    local variant = variants[(n * 7 + (id or 0) * 13) % #variants + 1]
    return wrk.format("POST", "/s/" .. slug .. "/cart/add", {["Cookie"] = base_cookie, ["Content-Type"] = form_type},
      "csrf_token=" .. csrf .. "&quantity=1&variant_id=" .. variant)
  elseif step == 2 then
    return wrk.format("POST", "/s/" .. slug .. "/checkout", {["Cookie"] = cookie, ["Content-Type"] = form_type},
      "csrf_token=" .. csrf .. customer)
  end
  return wrk.format("POST", pay_path, {["Cookie"] = cookie, ["Content-Type"] = form_type}, "csrf_token=" .. csrf)
end

function response(status, headers, body)
  local location = headers["Location"] or ""
  if step == 1 and status == 302 and headers["Set-Cookie"] then
    cookie = string.match(headers["Set-Cookie"], "(session=[^;]+)")
    step = 2
  elseif step == 2 and status == 302 and string.find(location, "/pay/demo/", 1, true) then
    pay_path = string.match(location, "(/pay/demo/[^?]+)")
    step = 3
  elseif step == 3 and status == 302 and string.find(location, "/o/", 1, true) then
    orders = orders + 1
    step = 1
  else
    failures = failures + 1
    step = 1
  end
end
"""


def run(url: str, script: str, seconds: float, connections: int, threads: int = 2, headers=(), env=None) -> dict:
    """Run wrk for `seconds` and return the figures its script reported."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(REPORT + script)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--timeout", "10s",
               "-s", lua.name]
    for header in headers:
        command += ["-H", header]
    try:
        done = subprocess.run(command + [url], capture_output=True, text=True, env={**os.environ, **(env or {})},
                              timeout=seconds + 60)
    finally:
        os.unlink(lua.name)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return json.loads(lines[-1])
