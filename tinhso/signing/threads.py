"""pyHanko's synchronous calls run their own event loop (asyncio.run), which fails in a thread that already
runs one (an ASGI worker, Playwright's sync API in tests): such a caller's call runs in a worker thread."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(call: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()
