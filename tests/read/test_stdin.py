"""converter/read/stdin.py: standard input looked at first, then read whole, once or again."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest

from converter.read import stdin


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BufferedReader(io.BytesIO(data), 7)  # small reads, as a pipe gives


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], None]:
    def pipe(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", FakeStdin(data))
    return pipe


def test_the_head_is_read_again_by_the_reader(piped: Callable[[bytes], None]) -> None:
    data = b"Case,Age\n" + b"1,22\n" * 50_000  # longer than the head
    piped(data)
    assert stdin.head() == data[:stdin.HEAD_BYTES]
    assert stdin.head() == data[:stdin.HEAD_BYTES]  # looking twice consumes nothing
    assert stdin.binary().read() == data


def test_a_short_input_is_its_head(piped: Callable[[bytes], None]) -> None:
    piped(b"Case\n1\n")
    assert stdin.head() == b"Case\n1\n"
    assert list(stdin.binary()) == [b"Case\n", b"1\n"]


def test_once_given_to_a_reader_it_cannot_be_given_again(piped: Callable[[bytes], None]) -> None:
    piped(b"x\n")
    stdin.binary().read()
    with pytest.raises(RuntimeError):
        stdin.binary()


def test_rereadable_input_reads_whole_every_time(piped: Callable[[bytes], None]) -> None:
    data = b'{"resourceType":"Patient"}\n' * 10_000
    piped(data)
    assert stdin.head().startswith(b'{"resourceType"')
    first, second = stdin.binary(rereadable=True), stdin.binary(rereadable=True)
    assert first.read(10) == data[:10]
    assert second.read() == data  # its own position
    assert first.read() == data[10:]
    assert stdin.head() == data[:stdin.HEAD_BYTES]
