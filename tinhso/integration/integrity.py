"""The exchange log's hash chains are verified by `tinhso verify-log` with the event log."""

from tinhso.core.integrity import register_log
from tinhso.integration import exchange

register_log(exchange.problems)
