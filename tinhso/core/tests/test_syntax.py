"""tinhso.core.syntax parses as ast.parse does, away from the calling thread's state."""

import ast
import threading

import pytest

from tinhso.core import syntax


def test_a_module_and_an_expression_parse_as_ast_parse_parses_them():
    source = "total = sum(x * 2 for x in range(3))\n"
    assert ast.dump(syntax.parse_module(source)) == ast.dump(ast.parse(source))
    assert ast.dump(syntax.parse_expression("a + 1")) == ast.dump(ast.parse("a + 1", mode="eval"))


def test_a_syntax_error_reaches_the_caller():
    with pytest.raises(SyntaxError):
        syntax.parse_expression("1 +")


def test_the_parse_runs_in_another_thread(monkeypatch):
    threads = []
    real_parse = ast.parse

    def watched(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", watched)
    syntax.parse_module("x = 1")
    assert threads and threads[0] != threading.get_ident()
