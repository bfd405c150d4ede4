"""E-mail through Django's mail backend (SMTP from the EMAIL_* settings), text and HTML."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from tinhso.notifications.channels import GatewayError, Outgoing


def send(message: Outgoing) -> str:
    with translation.override(message.language):
        context = {"message": message, "site": settings.TINHSO_SITE_URL}
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        to=[message.address],
        headers={
            "Message-ID": f"<{message.id}@{settings.TINHSO_MAIL_DOMAIN}>",
            # RFC 8058: a mail client's own "unsubscribe" button opts out with one POST.
            "List-Unsubscribe": f"<{message.unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(html, "text/html")
    try:
        get_connection(timeout=settings.EMAIL_TIMEOUT).send_messages([mail])
    except smtplib.SMTPRecipientsRefused as error:
        raise GatewayError(f"refused: {error.recipients}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise GatewayError(f"{type(error).__name__}: {error}") from None
    return "250 accepted"
