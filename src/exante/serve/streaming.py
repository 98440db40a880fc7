"""Streamed replies, per token: a row's ids → its text so far → reasoning and content deltas → SSE chunks.

Each step sends only what the final reply is sure to start with, so that a choice's deltas add
up to exactly the non-streamed ``reasoning_content`` and ``content``:

- text (``TextDeltas``): a trailing incomplete UTF-8 character, and a tail that may be the start
  of a stop string, wait for the next tokens; nothing after a stop string is sent;
- split (``settled_split``): a reply that opens with a section tag line (``<assessment>``, as a
  trace does) streams its reasoning up to the ``<answer>`` tag line, then the answer. A line
  that may still become a tag line, and the rest of a line from a tag written inline (which the
  lenient parser may move to a line of its own), wait for the final parse; so does a whole reply
  that does not open with a tag line, since it may be plain text (all content) or, further on,
  turn out to be a trace (reasoning up to its answer). ``reasoning_format`` none streams the
  text as it is; drop sends no reasoning.

When the generation is done, the final chunk of each choice carries the rest of its final parts
(``Reply.parts``). Should a streamed part not be a start of the final one (a tokenizer whose
decoding of a prefix is no prefix of the whole decoding), the final chunk carries the final part
after their common start and a warning is logged: what was sent cannot be taken back.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Future
from typing import AsyncIterator, Callable

from exante.models.generation import cut_at_stop
from exante.reasoning.parse import INLINE_TAG, drop_dangling_close  # the parser's own tag and cut rules
from exante.reasoning.trace import SECTIONS, TAG_LINE, unescape_lines
from exante.serve.schemas import Reply, error_body

log = logging.getLogger(__name__)
Decode = Callable[[list[int]], str]
_TAGS = tuple(f"<{slash}{name}>" for name in SECTIONS for slash in ("", "/"))
_BLANKS = " \t\r"


class TextDeltas:
    """A row's text as its ids arrive: the part of it that the final text surely starts with.

    Decoding is incremental as vLLM's: the ids since the last settled point are decoded with the
    ones before it, so that a tokenizer's leading-space rule sees the same context.
    """

    def __init__(self, decode: Decode, stops: tuple[str, ...]):
        self.decode, self.stops = decode, stops
        self.ids: list[int] = []
        self.decoded = ""
        self.prefix = self.read = 0  # ids[prefix:read] decode to the end of ``decoded``

    def push(self, ids: list[int]) -> str:
        self.ids += ids
        before = self.decode(self.ids[self.prefix:self.read])
        text = self.decode(self.ids[self.prefix:])
        if len(text) > len(before) and not text.endswith("\ufffd"):  # else wait for the rest of a character
            self.decoded += text[len(before):]
            self.prefix, self.read = self.read, len(self.ids)
        return self.settled()

    def settled(self) -> str:
        cut = cut_at_stop(self.decoded, self.stops)
        if cut != self.decoded:
            return cut
        held = max((k for stop in self.stops for k in range(1, len(stop)) if cut.endswith(stop[:k])), default=0)
        return cut[: len(cut) - held]


def settled_split(text: str) -> tuple[str, str]:
    """The (reasoning, answer) that ``strip_reasoning`` of every reply starting with ``text`` starts with."""
    lines = text.split("\n")
    head = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if head >= len(lines) - 1 or _tag(lines[head]) not in _TAGS[::2]:  # not (yet) opened by a tag line
        return "", ""
    reasoning, answer = lines[:head], None
    for number, line in enumerate(lines[head:], head):
        complete = number < len(lines) - 1
        tag = _tag(line) if complete else None
        if tag is not None and answer is not None:  # the answer's end (or a tag in it): for the final parse
            break
        if tag == "<answer>":
            answer = []
        elif tag is not None:
            reasoning.append(line)
        else:
            settled = _settled_line(line, complete)
            if answer is None:
                reasoning.append(settled)
            elif settled != line and TAG_LINE.fullmatch(settled):  # an escaped tag cut from its line: unescaped
                break  # only if the parser moves the rest to a line of its own
            elif settled.strip() or (complete and settled == line):  # a blank piece: the answer may end before
                answer.append(unescape_lines([settled]) if settled == line else settled)
            if settled != line or not complete:
                break
    return "\n".join(reasoning).strip(), drop_dangling_close("\n".join(answer or [])).strip()


def _tag(line: str) -> str | None:
    """The tag of a tag line (``<answer>``, ``</answer>``, ...); None for any other line, escaped ones too."""
    m = TAG_LINE.fullmatch(line)
    return None if m is None or m.group(2) else f"<{m.group(3)}{m.group(4)}>"


def _settled_line(line: str, complete: bool) -> str:
    """The start of ``line`` no later text can change: before a tag written inline, and, in a line
    still growing, before what may yet become a tag (or the whole line, if it may become a tag line)."""
    m = INLINE_TAG.search(line)
    end = m.start() if m else len(line)
    if complete:
        return line[:end]
    rest = line.lstrip(_BLANKS).lstrip("\\")
    if any(t.startswith(rest) or (rest.startswith(t) and not rest[len(t):].strip(_BLANKS)) for t in _TAGS):
        return ""
    starts = (i for i in range(end) if line[i] == "<" and line[i - 1: i] != "\\" and
              any(t.startswith(line[i:]) for t in _TAGS))
    return line[: next(starts, end)]


class SplitDeltas:
    """One choice's reasoning and content deltas, from its growing text."""

    def __init__(self, reasoning_format: str):
        self.reasoning_format = reasoning_format
        self.sent = {"reasoning_content": "", "content": ""}

    def update(self, text: str) -> list[dict]:
        if self.reasoning_format == "none":
            return self._deltas("", text)
        reasoning, content = settled_split(text)
        return self._deltas("" if self.reasoning_format == "drop" else reasoning, content)

    def finish(self, reasoning: str | None, content: str) -> list[dict]:
        """The rest of the final parts."""
        return self._deltas(reasoning or "", content, final=True)

    def _deltas(self, reasoning: str, content: str, final: bool = False) -> list[dict]:
        deltas = []
        for key, part in (("reasoning_content", reasoning), ("content", content)):
            sent = self.sent[key]
            if not part.startswith(sent):
                if not final:
                    continue
                log.warning("streamed %s is not a start of the final one; the rest follows their common start", key)
                sent = os.path.commonprefix([sent, part])
            if len(part) > len(sent):
                deltas.append({key: part[len(sent):]})
                self.sent[key] = part
        return deltas


class ReplyStream:
    """A streamed request's chunks, queued for its SSE response in the server's event loop.

    ``listener(decode)`` and ``finish(future)`` run on the generation worker thread; chunks reach
    the event loop with ``call_soon_threadsafe``; ``chunks()`` yields them there until the end.
    """

    def __init__(self, reply: Reply, stops: tuple[str, ...], include_usage: bool, loop: asyncio.AbstractEventLoop):
        self.reply, self.stops, self.include_usage, self.loop = reply, stops, include_usage, loop
        self.splits = [SplitDeltas(reply.reasoning_format) for _ in range(reply.n)]
        self.texts: list[TextDeltas] = []
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue()  # None: the end
        for chunk in reply.head_chunks():
            self.queue.put_nowait(chunk)

    def listener(self, decode: Decode) -> Callable[[int, list[int]], None]:
        """``(choice, new ids)`` → their deltas sent; ``decode`` is the generating backend's."""
        self.texts = [TextDeltas(decode, self.stops) for _ in range(self.reply.n)]
        return self._tokens

    def _tokens(self, choice: int, ids: list[int]) -> None:
        for delta in self.splits[choice].update(self.texts[choice].push(ids)):
            self._send(self.reply.chunk(choice, delta))

    def finish(self, future: Future) -> None:
        """The generations' done callback: each choice's rest and finish, the usage if asked, the end."""
        if future.cancelled():  # the client left before its turn
            return
        if (exc := future.exception()) is not None:
            self._send(error_body(f"generation failed: {type(exc).__name__}: {exc}", "server_error"))
        else:
            self.reply.fill(future.result())
            for choice, (split, parts) in enumerate(zip(self.splits, self.reply.parts)):
                for delta in split.finish(*parts):
                    self._send(self.reply.chunk(choice, delta))
                self._send(self.reply.chunk(choice, {}, self.reply.finish_reason(choice)))
            if self.include_usage:
                self._send(self.reply.usage_chunk())
        self._send(None)

    async def chunks(self) -> AsyncIterator[dict]:
        while (chunk := await self.queue.get()) is not None:
            yield chunk

    def _send(self, chunk: dict | None) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, chunk)
