"""Erasure requests: who asked to be forgotten, and how far the operator got."""
import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.util import now_utc


class RequestKind(enum.Enum):
    customer = "customer"  # a guest buyer, known only by the email on their orders
    account = "account"  # a reseller or supplier who signs in


class RequestStatus(enum.Enum):
    requested = "requested"
    waiting = "waiting"  # something still needs the data (money due, a parcel to ship); tried again later
    done = "done"


TRANSITIONS = {
    (RequestStatus.requested, "wait"): RequestStatus.waiting,
    (RequestStatus.waiting, "wait"): RequestStatus.waiting,
    (RequestStatus.requested, "erase"): RequestStatus.done,
    (RequestStatus.waiting, "erase"): RequestStatus.done,
}


class InvalidTransition(Exception):
    pass


def next_status(current: RequestStatus, event: str) -> RequestStatus:
    """The status a request moves to on an event, or InvalidTransition."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(f"{event} is not allowed when {current.value}") from None


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(Enum(RequestKind, native_enum=False, length=16))
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=16), default=RequestStatus.requested
    )
    # The address the request came from; pseudonymised with everything else once the request is done.
    email: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    note: Mapped[str] = mapped_column(String(255), default="")  # why it is waiting, for the operator
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    done_at: Mapped[datetime | None]

    def apply(self, event: str) -> None:
        self.status = next_status(self.status, event)
