"""The exchange log's daily signed digest and its retention: entries past retention are removed by the daily
job and the chain still verifies from its signed floor; removing or rewriting entries without the log key, or
forging a digest, is reported by `tinhso verify-log`."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tinhso.core.selectors import verify_event_log
from tinhso.integration import exchange, sealing
from tinhso.integration.models import ExchangeChain, ExchangeDigest, ExchangeLog

pytestmark = pytest.mark.django_db


def log_calls(*, chain: str, ages_in_days: list[int]) -> list[ExchangeLog]:
    now = timezone.now()
    return [
        exchange.append(
            direction=ExchangeLog.Direction.OUTBOUND,
            partner=None,
            service="dvcqg",
            method="POST",
            target="https://dvcqg.example.vn/integration",
            status=200,
            request_body=b'{"service": "DongBoHoSoMC"}',
            response_body=b'{"error_code": "00"}',
            started_at=now - timedelta(days=days),
            duration_ms=12,
            chain=chain,
        )
        for days in ages_in_days
    ]


def problems() -> list[str]:
    return [str(problem) for problem in verify_event_log()]


def rewrite_from(row: ExchangeLog) -> None:
    """What someone holding only the database can do: edit an entry and recompute every hash after it."""
    previous = row.prev_hash
    for later in ExchangeLog.objects.filter(chain=row.chain, seq__gte=row.seq).order_by("seq"):
        if later.pk == row.pk:
            later.status = 500
        later.prev_hash = previous
        later.row_hash = previous = exchange.row_hash(later)
        later.save()
    ExchangeChain.objects.filter(name=row.chain).update(head_hash=previous)


def test_the_daily_digest_signs_every_chain_head_with_the_log_key():
    rows = log_calls(chain="dvcqg", ages_in_days=[3, 2, 1])
    first = sealing.close_day()
    log_calls(chain="dvcqg", ages_in_days=[0])
    second = sealing.close_day()
    assert first.heads == [["dvcqg", 3, rows[-1].row_hash, 0, ""]]
    assert second.prev_digest == first.digest and second.heads[0][1] == 4
    assert first.removed == second.removed == 0 and not problems()


def test_a_chain_rewritten_without_the_key_no_longer_matches_its_digest():
    rows = log_calls(chain="dvcqg", ages_in_days=[3, 2, 1])
    sealing.close_day()
    rewrite_from(rows[1])
    found = problems()
    assert len(found) == 1 and "số 3 của chuỗi dvcqg" in found[0]


def test_a_forged_or_removed_digest_is_reported():
    log_calls(chain="dvcqg", ages_in_days=[2])
    first = sealing.close_day()
    sealing.close_day()
    ExchangeDigest.objects.filter(pk=first.pk).update(removed=5)
    assert any("MAC" in problem for problem in problems())
    ExchangeDigest.objects.filter(pk=first.pk).delete()
    assert any("không nối với bản liền trước" in problem for problem in problems())


def test_entries_past_retention_are_removed_and_the_rest_still_verifies(settings):
    settings.TINHSO_EXCHANGE_LOG_RETENTION_DAYS = 30
    rows = log_calls(chain="dvcqg", ages_in_days=[45, 40, 31, 29, 2])
    log_calls(chain="-", ages_in_days=[60])
    digest = sealing.close_day()
    assert digest.removed == 4
    assert list(ExchangeLog.objects.filter(chain="dvcqg").values_list("seq", flat=True)) == [5, 4]
    assert ExchangeChain.objects.get(name="dvcqg").floor_hash == rows[2].row_hash
    assert not ExchangeLog.objects.filter(chain="-").exists()
    assert not problems()
    call_command("verify_log")  # no exit: no false break after the removal
    log_calls(chain="dvcqg", ages_in_days=[0])
    sealing.close_day()
    assert not problems()


def test_entries_removed_without_a_signed_digest_are_reported(settings):
    rows = log_calls(chain="dvcqg", ages_in_days=[45, 40, 2])
    sealing.close_day()
    # Someone deletes the oldest entries and moves the floor, as the daily job would, but signs nothing.
    ExchangeLog.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).delete()
    ExchangeChain.objects.filter(name="dvcqg").update(floor_seq=2, floor_hash=rows[1].row_hash)
    found = problems()
    assert len(found) == 1 and "bắt đầu sau bản ghi số 2" in found[0]
    ExchangeDigest.objects.all().delete()  # and the digests too
    assert any("bắt đầu sau bản ghi số 2" in problem for problem in problems())


def test_a_slow_old_call_logged_after_a_newer_one_stays(settings):
    settings.TINHSO_EXCHANGE_LOG_RETENTION_DAYS = 30
    log_calls(chain="dvcqg", ages_in_days=[40, 10, 40, 1])
    assert sealing.close_day().removed == 1  # a prefix only: the chain stays whole from its floor
    assert not problems()
