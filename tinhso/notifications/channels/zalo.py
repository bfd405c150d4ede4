"""Zalo ZNS template messages: the OA's access token in its own header, the template's id and data, the
phone as 84…, and the outbox message's id as the tracking id."""

from typing import Any

import requests
from django.conf import settings

from tinhso.notifications.channels import GatewayError, Outgoing


def send(message: Outgoing) -> str:
    template_id = settings.TINHSO_ZALO_TEMPLATES.get(message.template) or settings.TINHSO_ZALO_TEMPLATES.get(
        "*"
    )
    if not template_id:
        raise GatewayError(f"no ZNS template approved for {message.template}", permanent=True)
    payload: dict[str, Any] = {
        "phone": message.address,
        "template_id": template_id,
        "template_data": {"code": message.context.get("code", ""), "link": message.link},
        "tracking_id": message.id,
    }
    try:
        response = requests.post(
            settings.TINHSO_ZALO_URL,
            json=payload,
            headers={"access_token": settings.TINHSO_ZALO_ACCESS_TOKEN},
            timeout=settings.TINHSO_GATEWAY_TIMEOUT,
        )
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise GatewayError(f"{type(error).__name__}: {error}") from None
    if answer.get("error") != 0:
        # Negative codes: -124 bad token and -108 bad phone cannot succeed on a retry.
        raise GatewayError(response.text[:1000], permanent=answer.get("error") in (-108, -118, -124, -1124))
    return response.text[:1000]
