"""A small, stateful stand-in for the Stripe API, plugged into the SDK as its HTTP client (no sockets)."""
import hashlib
import hmac
import itertools
import json
import re
import time
from urllib.parse import parse_qsl, urlsplit

import stripe


def decode_form(post_data: str | bytes | None) -> dict:
    """Stripe's bracketed form encoding (`a[b][0][c]=1`) back into nested dicts and lists."""
    if isinstance(post_data, bytes):
        post_data = post_data.decode()
    root: dict = {}
    for key, value in parse_qsl(post_data or "", keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}


class FakeStripe(stripe.HTTPClient):
    """Checkout Sessions and Refunds, with idempotency keys honoured as Stripe does."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.requests: list[tuple[str, str, dict]] = []
        self._replies: dict[str, tuple[dict, str]] = {}
        self._ids = itertools.count(1)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        params = decode_form(post_data)
        self.requests.append((method.upper(), path, params))
        key = (headers or {}).get("Idempotency-Key")
        if key and key in self._replies:
            first_params, body = self._replies[key]
            if first_params != params:
                return self._error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters.")
            return body, 200, {"Request-Id": "req_replay", "Idempotent-Replayed": "true"}
        route = {
            ("POST", "/v1/checkout/sessions"): self._create_session,
            ("POST", "/v1/refunds"): self._create_refund,
        }.get((method.upper(), path))
        if route is None:
            return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method} {path}).")
        status, obj = route(params)
        body = json.dumps(obj)
        if key and status == 200:
            self._replies[key] = (params, body)
        return body, status, {"Request-Id": f"req_{next(self._ids)}"}

    def close(self):
        pass

    def _error(self, status, type_, message):
        return json.dumps({"error": {"type": type_, "message": message}}), status, {"Request-Id": "req_error"}

    def _create_session(self, params):
        items = params.get("line_items", [])
        total = sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in items)
        session_id = f"cs_test_{next(self._ids)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "currency": items[0]["price_data"]["currency"] if items else "usd",
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "line_items": items,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
        }
        self.sessions[session_id] = session
        return 200, session

    def _create_refund(self, params):
        intent = params.get("payment_intent")
        paid = next((s for s in self.sessions.values() if intent and s["payment_intent"] == intent), None)
        if paid is None:
            return 400, {"error": {"type": "invalid_request_error", "message": f"No such payment_intent: '{intent}'"}}
        amount = int(params.get("amount", paid["amount_total"]))
        already = sum(r["amount"] for r in self.refunds if r["payment_intent"] == intent)
        if amount <= 0 or amount + already > paid["amount_total"]:
            message = f"Refund amount ({amount}) is greater than unrefunded amount on charge ({paid['amount_total'] - already})"
            return 400, {"error": {"type": "invalid_request_error", "message": message}}
        refund = {
            "id": f"re_{next(self._ids)}", "object": "refund", "amount": amount,
            "currency": paid["currency"], "payment_intent": intent, "status": "succeeded",
        }
        self.refunds.append(refund)
        return 200, refund

    def pay(self, session_id: str, payment_status: str = "paid") -> dict:
        """The customer finished on Stripe's page."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status=payment_status)
        if payment_status == "paid":
            session["payment_intent"] = f"pi_{next(self._ids)}"
        return session

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session.update(status="expired")
        return session

    def event(self, type_: str, session: dict, secret: str, timestamp: int | None = None) -> tuple[str, dict]:
        """A webhook delivery: the JSON payload and its Stripe-Signature header, signed as Stripe signs."""
        payload = json.dumps({
            "id": f"evt_{next(self._ids)}", "object": "event", "type": type_, "api_version": stripe.api_version,
            "created": int(time.time()), "livemode": False, "data": {"object": dict(session)},
        })
        return payload, {"Stripe-Signature": sign(payload, secret, timestamp)}


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `t=...,v1=...` header: HMAC-SHA256 of "{t}.{payload}" with the endpoint secret."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
