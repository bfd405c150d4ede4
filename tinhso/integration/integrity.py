"""The exchange log's hash chains, and its signed daily digests, are verified by `tinhso verify-log` with the event log."""

from tinhso.core.integrity import register_log
from tinhso.integration import exchange, sealing

register_log(exchange.problems)
register_log(sealing.problems)
