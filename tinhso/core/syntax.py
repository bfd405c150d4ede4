"""Python's own parser, safe in any thread."""

import ast
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def _in_fresh_thread(source: str, mode: str) -> Any:
    # After greenlets (Playwright's, in a test worker) ran in the calling thread, CPython 3.11's ast.parse
    # may raise "AST constructor recursion depth mismatch"; a new thread starts its depth count afresh.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(ast.parse, source, mode=mode).result()


def parse_module(source: str) -> ast.Module:
    """`ast.parse(source)`, in a thread of its own."""
    tree: ast.Module = _in_fresh_thread(source, "exec")
    return tree


def parse_expression(source: str) -> ast.Expression:
    """`ast.parse(source, mode="eval")`, in a thread of its own; SyntaxError as ast.parse raises it."""
    tree: ast.Expression = _in_fresh_thread(source, "eval")
    return tree
