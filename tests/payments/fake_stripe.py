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


def processing_fee(amount: int) -> int:
    """What the fake keeps of a card charge: 2.9 % + 30 cents, like Stripe's standard US pricing."""
    return (amount * 29 + 500) // 1000 + 30


class _Connect:
    """Connect, mixed into FakeStripe: Express accounts, onboarding links, transfers with source_transaction,
    reversals limited by the connected account's balance, and the platform's own balance."""

    def _paid_session(self, intent: str | None) -> dict | None:
        return next((s for s in self.sessions.values() if intent and s["payment_intent"] == intent), None)

    def _charge(self, session: dict) -> dict:
        amount = session["amount_total"]
        refunded = sum(r["amount"] for r in self.refunds if r["payment_intent"] == session["payment_intent"])
        return {
            "id": "ch_" + session["payment_intent"][3:], "object": "charge", "amount": amount,
            "amount_refunded": refunded, "currency": session["currency"],
            "payment_intent": session["payment_intent"], "transfer_group": session.get("transfer_group"),
            "balance_transaction": {"id": "txn_" + session["payment_intent"][3:], "amount": amount,
                                    "fee": processing_fee(amount), "net": amount - processing_fee(amount)},
        }

    def _get_intent(self, params, intent_id):
        session = self._paid_session(intent_id)
        if session is None:
            return 404, {"error": {"type": "invalid_request_error", "message": f"No such payment_intent: '{intent_id}'"}}
        charge = self._charge(session)
        expanded = "latest_charge" in " ".join(params.get("expand", []))
        return 200, {"id": intent_id, "object": "payment_intent", "amount": session["amount_total"],
                     "status": "succeeded", "latest_charge": charge if expanded else charge["id"]}

    def _create_account(self, params):
        account_id = f"acct_{next(self._ids):016d}"
        self.accounts[account_id] = {
            "id": account_id, "object": "account", "type": params.get("type"), "email": params.get("email"),
            "metadata": params.get("metadata", {}), "charges_enabled": False, "payouts_enabled": False,
            "details_submitted": False, "balance": 0,
        }
        return 200, {k: v for k, v in self.accounts[account_id].items() if k != "balance"}

    def _create_account_link(self, params):
        if params.get("account") not in self.accounts:
            return 400, {"error": {"type": "invalid_request_error", "message": "No such account"}}
        link = {"object": "account_link", "url": f"https://connect.stripe.test/setup/e/{params['account']}/"
                f"{next(self._ids)}", "return_url": params.get("return_url"), "refresh_url": params.get("refresh_url")}
        self.account_links.append(link)
        return 200, link

    def _transferred_from(self, charge_id: str) -> int:
        return sum(t["amount"] for t in self.transfers.values() if t["source_transaction"] == charge_id)

    def _create_transfer(self, params):
        amount, destination = int(params.get("amount", 0)), params.get("destination")
        account = self.accounts.get(destination)
        if account is None or not account["payouts_enabled"]:
            return 400, {"error": {"type": "invalid_request_error", "message": "No such destination, or it cannot "
                                                                                "receive transfers yet"}}
        charge_id = params.get("source_transaction")
        session = self._paid_session("pi_" + charge_id[3:]) if charge_id else None
        if charge_id and session is None:
            return 400, {"error": {"type": "invalid_request_error", "message": f"No such charge: '{charge_id}'"}}
        room = session["amount_total"] - self._transferred_from(charge_id) if session else 0
        if amount <= 0 or (session and amount > room):
            return 400, {"error": {"type": "invalid_request_error", "code": "balance_insufficient",
                                   "message": f"Transfer of {amount} exceeds what is left of the charge ({room})"}}
        transfer = {"id": f"tr_{next(self._ids)}", "object": "transfer", "amount": amount, "amount_reversed": 0,
                    "currency": params.get("currency"), "destination": destination,
                    "transfer_group": params.get("transfer_group"), "source_transaction": charge_id,
                    "metadata": params.get("metadata", {}), "reversals": []}
        self.transfers[transfer["id"]] = transfer
        account["balance"] += amount
        return 200, transfer

    def _create_reversal(self, params, transfer_id):
        transfer = self.transfers.get(transfer_id)
        if transfer is None:
            return 404, {"error": {"type": "invalid_request_error", "message": f"No such transfer: '{transfer_id}'"}}
        amount = int(params.get("amount", transfer["amount"] - transfer["amount_reversed"]))
        account = self.accounts[transfer["destination"]]
        if amount <= 0 or amount > transfer["amount"] - transfer["amount_reversed"] or amount > account["balance"]:
            return 400, {"error": {"type": "invalid_request_error", "code": "balance_insufficient",
                                   "message": "Insufficient funds in the connected account to reverse"}}
        account["balance"] -= amount
        transfer["amount_reversed"] += amount
        reversal = {"id": f"trr_{next(self._ids)}", "object": "transfer_reversal", "amount": amount,
                    "transfer": transfer_id}
        transfer["reversals"].append(reversal)
        return 200, reversal

    def _list_refunds(self, params):
        mine = [r for r in self.refunds if r["payment_intent"] == params.get("payment_intent")]
        return 200, {"object": "list", "data": mine, "has_more": False, "url": "/v1/refunds"}

    def refund_in_dashboard(self, intent: str, amount: int) -> dict:
        """Someone refunds by hand in Stripe's dashboard (no metadata): the charge as charge.refunded carries it."""
        session = self._paid_session(intent)
        self.refunds.append({"id": f"re_{next(self._ids)}", "object": "refund", "amount": amount,
                             "currency": session["currency"], "payment_intent": intent, "status": "succeeded",
                             "metadata": {}})
        return self._charge(session)

    def onboard(self, account_id: str, done: bool = True) -> dict:
        """The payee finished (or not) Stripe's onboarding: the account as account.updated would carry it."""
        account = self.accounts[account_id]
        account.update(details_submitted=done, charges_enabled=done, payouts_enabled=done)
        return {k: v for k, v in account.items() if k != "balance"}

    def spend(self, account_id: str, amount: int) -> None:
        """The connected account paid its balance out to its bank: nothing left to reverse."""
        self.accounts[account_id]["balance"] -= amount

    def signed(self, type_: str, obj: dict, secret: str, created: int | None = None, event_id: str | None = None,
               account: str | None = None) -> tuple[str, dict]:
        """Any event, signed; pass the same event_id again for a duplicate, an older `created` for a late one."""
        body = {"id": event_id or f"evt_{next(self._ids)}", "object": "event", "type": type_,
                "api_version": stripe.api_version, "created": created or int(time.time()), "livemode": False,
                "data": {"object": dict(obj)}}
        if account:
            body["account"] = account
        payload = json.dumps(body)
        return payload, {"Stripe-Signature": sign(payload, secret)}


class FakeStripe(_Connect, stripe.HTTPClient):
    """Checkout Sessions, Payment Intents, Refunds, Connect accounts and links, transfers and reversals,
    with idempotency keys honoured as Stripe does and balances checked where Stripe checks them."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.accounts: dict[str, dict] = {}
        self.account_links: list[dict] = []
        self.transfers: dict[str, dict] = {}
        self.fail_next: str | None = None  # a path whose next request answers 500, to test retries
        self.requests: list[tuple[str, str, dict]] = []
        self._replies: dict[str, tuple[dict, str]] = {}
        self._ids = itertools.count(1)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        path = parts.path
        params = decode_form(post_data if method.upper() == "POST" else parts.query)
        self.requests.append((method.upper(), path, params))
        key = (headers or {}).get("Idempotency-Key")
        if key and key in self._replies:
            first_params, body = self._replies[key]
            if first_params != params:
                return self._error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters.")
            return body, 200, {"Request-Id": "req_replay", "Idempotent-Replayed": "true"}
        if self.fail_next == path:
            self.fail_next = None
            return self._error(500, "api_error", "Something went wrong on Stripe's end.")
        route, args = self._route(method.upper(), path)
        if route is None:
            return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method} {path}).")
        status, obj = route(params, *args)
        body = json.dumps(obj)
        if key and status == 200:
            self._replies[key] = (params, body)
        return body, status, {"Request-Id": f"req_{next(self._ids)}"}

    def close(self):
        pass

    def _route(self, method: str, path: str):
        fixed = {
            ("POST", "/v1/checkout/sessions"): self._create_session,
            ("POST", "/v1/refunds"): self._create_refund,
            ("POST", "/v1/accounts"): self._create_account,
            ("POST", "/v1/account_links"): self._create_account_link,
            ("POST", "/v1/transfers"): self._create_transfer,
        }
        if (method, path) in fixed:
            return fixed[(method, path)], ()
        if (method, path) == ("GET", "/v1/refunds"):
            return self._list_refunds, ()
        if method == "GET" and (m := re.fullmatch(r"/v1/payment_intents/([^/]+)", path)):
            return self._get_intent, (m.group(1),)
        if method == "POST" and (m := re.fullmatch(r"/v1/transfers/([^/]+)/reversals", path)):
            return self._create_reversal, (m.group(1),)
        return None, ()

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
            "transfer_group": (params.get("payment_intent_data") or {}).get("transfer_group"),
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
            "metadata": params.get("metadata", {}),
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
