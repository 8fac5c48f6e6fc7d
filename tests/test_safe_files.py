"""Files read and written safely: regular files only (no link followed, no FIFO waited on), within a size, JSON
that cannot crash the parser, and files replaced atomically."""

import errno
import json
import os

import pytest

from cnnviz import safe_files
from cnnviz.i18n import Invalid
from cnnviz.safe_files import FileProblem


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_a_regular_file_is_opened_and_read(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    with safe_files.open_regular(path) as f:
        assert f.read() == b"hello"
    with safe_files.open_regular(path, "r") as f:
        assert f.read() == "hello"


def test_a_link_is_never_followed(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("not for you")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(OSError) as e:
        safe_files.open_regular(link)
    assert e.value.errno == errno.ELOOP
    with pytest.raises(OSError):
        safe_files.open_append(link)
    assert target.read_text() == "not for you"  # nothing was appended through the link


def test_a_fifo_or_a_folder_is_refused_without_waiting(tmp_path, fifo):
    with pytest.raises(FileProblem, match="^pipe is not a regular file$"):
        safe_files.open_regular(fifo)  # a plain open would block until a writer came
    with pytest.raises(FileProblem, match="^pipe is not a regular file$"):
        safe_files.read_regular(fifo, 100)
    with pytest.raises(OSError):  # no reader: refused at once (ENXIO), never blocking
        safe_files.open_append(fifo)
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileProblem, match="^folder is not a regular file$"):
        safe_files.open_regular(tmp_path / "folder")


def test_append_creates_the_file_and_adds_to_its_end(tmp_path):
    path = tmp_path / "log.jsonl"
    with safe_files.open_append(path) as f:
        f.write("one\n")
    with safe_files.open_append(path) as f:
        f.write("two\n")
    assert path.read_text() == "one\ntwo\n"


def test_read_regular_keeps_to_its_size_limit(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 1_000)
    assert safe_files.read_regular(path, 1_000) == b"x" * 1_000  # exactly at the limit is allowed
    with pytest.raises(FileProblem) as e:
        safe_files.read_regular(path, 999)
    assert str(e.value) == "big.bin is larger than 999 bytes"
    assert isinstance(e.value, OSError)  # callers treat it as an unreadable file
    path.write_bytes(b"x" * 2_000)
    with pytest.raises(FileProblem, match="^big.bin is larger than 1,999 bytes$"):
        safe_files.read_regular(path, 1_999)


def test_parse_json_turns_every_bad_input_into_a_value_error():
    assert safe_files.parse_json(b'{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert safe_files.parse_json('"text"') == "text"
    with pytest.raises(Invalid, match="^it is nested too deeply$"):
        safe_files.parse_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(Invalid, match="^it is not UTF-8 text \\(invalid start byte\\)$"):
        safe_files.parse_json(b'{"a": "\xff"}')
    with pytest.raises(ValueError):
        safe_files.parse_json("{not json")
    with pytest.raises(ValueError):
        safe_files.parse_json("1" * 10_000)  # an integer of thousands of digits


def test_write_json_atomic_replaces_the_file_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("old")
    safe_files.write_json_atomic(path, {"status": "finished", "n": 3})
    assert path.read_text() == '{\n  "status": "finished",\n  "n": 3\n}'
    assert json.loads(path.read_text()) == {"status": "finished", "n": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]  # no temporary file left


def test_write_json_atomic_replaces_a_planted_link_instead_of_writing_through_it(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("keep")
    path = tmp_path / "run.json"
    path.symlink_to(outside)
    safe_files.write_json_atomic(path, {"a": 1})
    assert outside.read_text() == "keep"
    assert not path.is_symlink() and json.loads(path.read_text()) == {"a": 1}


def test_sha256_of_a_known_text(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert safe_files.sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    (tmp_path / "empty").write_bytes(b"")
    assert safe_files.sha256(tmp_path / "empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    (tmp_path / "link").symlink_to(path)
    with pytest.raises(OSError):
        safe_files.sha256(tmp_path / "link")


def test_is_regular_says_yes_only_for_a_plain_file(tmp_path, fifo):
    path = tmp_path / "a.txt"
    path.write_text("a")
    (tmp_path / "link").symlink_to(path)
    (tmp_path / "folder").mkdir()
    assert safe_files.is_regular(path) is True
    assert safe_files.is_regular(tmp_path / "link") is False  # even though it points at a regular file
    assert safe_files.is_regular(tmp_path / "folder") is False
    assert safe_files.is_regular(fifo) is False
    assert safe_files.is_regular(tmp_path / "missing") is False
