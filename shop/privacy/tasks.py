"""Jobs: mail a customer the link to their data; carry out erasures that had to wait, once they may be."""
from huey import crontab
from sqlalchemy import func, select

from shop.extensions import db, huey, job
from shop.mail import render_mail, send_mail
from shop.orders.models import Order

from .erasure import carry_out
from .links import make_key
from .models import ErasureRequest, RequestStatus


@job()
def send_data_link(email: str, locale: str = "en") -> None:
    """Mail a fresh data link to the address, only when orders were placed under it (no mail otherwise)."""
    email = email.strip().lower()
    if not db.session.scalar(select(func.count()).where(func.lower(Order.email) == email)):
        return
    subject, body = render_mail("privacy_link", locale, key=make_key(email))
    send_mail(email, subject, body)


@job()
def erase_waiting() -> list[int]:
    """Try again every erasure the operator approved that had to wait; returns the ids now done."""
    done = []
    for request in db.session.scalars(select(ErasureRequest).where(ErasureRequest.status == RequestStatus.waiting)):
        if not carry_out(request):
            done.append(request.id)
    db.session.commit()
    return done


@huey.periodic_task(crontab(hour="3", minute="30"), name="shop.privacy.tasks.every_night")
def every_night():
    # Periodic tasks run outside the app; this only enqueues the job, which runs inside it.
    erase_waiting()
