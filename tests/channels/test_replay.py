"""The replay channel: a posts JSONL file into Posts, bad lines named, replies recorded."""

from __future__ import annotations

import json
from pathlib import Path

from restock_bot.channels.replay import BadLine, RecordedReplies, replay_into, replay_posts
from restock_bot.post import Post
from tests.fakes.memory import MemorySink


def report(post_id: str, **changes: object) -> str:
    line = {
        "id": post_id,
        "text": "3rd time no Munchu here",
        "created_at": "2026-03-02T09:15:00Z",
        "author": {"id": "42", "username": "priya_k"},
        "lang": "hi",
        "geo": None,
        "place": None,
        "in_reply_to": None,
    }
    return json.dumps(line | changes, ensure_ascii=False)


def posts_file(tmp_path: Path, *lines: str | bytes) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    return path


async def read_all(path: Path) -> list[Post | BadLine]:
    return [item async for item in replay_posts(path)]


async def test_every_good_line_becomes_a_post(tmp_path: Path) -> None:
    path = posts_file(tmp_path, report("1"), report("2", in_reply_to="1", text="Sharma Stores, Andheri"))

    items = await read_all(path)

    assert [item.id for item in items if isinstance(item, Post)] == ["1", "2"]
    answer = items[1]
    assert isinstance(answer, Post)
    assert (answer.channel, answer.in_reply_to, answer.author.username) == ("replay", "1", "priya_k")


async def test_a_bad_line_names_file_line_and_field_and_the_rest_goes_on(tmp_path: Path) -> None:
    path = posts_file(
        tmp_path,
        report("1"),
        "",
        '{"id": "3", "text": ',
        report("4", geo={"lat": 19.1}),
        report("5", author="priya_k"),
        b'{"id": "6", "text": "\xff"}',
        report("7"),
    )

    items = await read_all(path)

    posts = [item.id for item in items if isinstance(item, Post)]
    bad = [str(item) for item in items if isinstance(item, BadLine)]
    assert posts == ["1", "7"]
    assert bad[0].startswith(f"{path}:3: not JSON")
    assert bad[1].startswith(f"{path}:4: post 4: geo: needs numeric lat and lon")
    assert bad[2] == f"{path}:5: author: expected an object with id and username"
    assert bad[3] == f"{path}:6: not UTF-8 (bad byte at offset 21)"


async def test_a_byte_order_mark_does_not_spoil_the_first_line(tmp_path: Path) -> None:
    path = posts_file(tmp_path, b"\xef\xbb\xbf" + report("1").encode())

    assert [item.id for item in await read_all(path) if isinstance(item, Post)] == ["1"]


async def test_replay_into_the_inbox_counts_new_repeated_and_bad_lines(tmp_path: Path) -> None:
    path = posts_file(tmp_path, report("1"), report("2"), report("1"), "[]")
    sink = MemorySink()

    summary = await replay_into(sink, path)

    assert (summary.accepted, summary.duplicates) == (2, 1)
    assert [(bad.line, bad.error) for bad in summary.bad_lines] == [(4, "expected a JSON object, got list")]
    assert sink.ids == ["1", "2"]


async def test_replies_are_recorded_and_shown(tmp_path: Path) -> None:
    shown: list[str] = []
    replies = RecordedReplies(show=shown.append)
    [post] = [item async for item in replay_posts(posts_file(tmp_path, report("1")))]
    assert isinstance(post, Post)

    reply_id = await replies.reply(post, "Which store was it?")

    assert reply_id == "replay-reply-1"
    assert [(sent.to.id, sent.text) for sent in replies.sent] == [("1", "Which store was it?")]
    assert shown == ["↩ @priya_k (post 1): Which store was it?"]
