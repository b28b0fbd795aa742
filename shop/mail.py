"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise a file under instance/mail and the log."""
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from shop.util import new_token, now_utc

log = logging.getLogger(__name__)


def render_mail(template: str, locale: str = "en", **context) -> tuple[str, str]:
    """Render templates/mail/<template>.txt; its first line is the subject."""

    def render():
        with force_locale(locale):
            text = render_template(f"mail/{template}.txt", **context)
        subject, _, body = text.strip().partition("\n")
        return subject.strip(), body.strip() + "\n"

    if has_request_context():
        return render()
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return render()


def send_mail(to: str, subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> None:
    """Send a plain-text mail, with at most one CSV file (name, bytes) attached."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1], maintype="text", subtype="csv", filename=attachment[0])
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    folder = Path(config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now_utc():%Y%m%d-%H%M%S}-{new_token()[:8]}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s: %s (saved to %s)", to, subject, path)
