"""Web Push to a browser that subscribed on the platform's pages (VAPID, aes128gcm through pywebpush)."""

import json

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from tinhso.notifications.channels import GatewayError, Outgoing


def send(message: Outgoing) -> str:
    payload = json.dumps({"title": message.subject, "link": message.link, "tag": message.id})
    try:
        response = webpush(
            subscription_info=json.loads(message.address),
            data=payload,
            vapid_private_key=settings.TINHSO_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.TINHSO_VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=settings.TINHSO_GATEWAY_TIMEOUT,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else 0
        # 404/410: the browser dropped the subscription; it will not come back.
        raise GatewayError(f"{status}: {error}", permanent=status in (404, 410)) from None
    except ValueError as error:  # keys that are not a P-256 point and a secret: the subscription is broken
        raise GatewayError(f"bad subscription: {error}", permanent=True) from None
    except requests.RequestException as error:
        raise GatewayError(f"{type(error).__name__}: {error}") from None
    return f"{response.status_code}"
