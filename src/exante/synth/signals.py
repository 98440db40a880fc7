"""What a prompt's text shows: jailbreak framings, the request inside, a short restatement, cue spans.

Framings are detected from the text with patterns; for training data the record's ``attack``
(known, since we built the prompt) is added to what the text shows, so a trace never misses it.
"""

from __future__ import annotations

import base64
import binascii
import re

from exante.data.attacks import decode_payload
from exante.rules.keywords import keyword_pattern

FRAMING_PATTERNS = {
    "role_play": r"\b(you are (now )?(a|an|my|the)\b|act(ing)? as|pretend|role-?play|(stay in|break) character|"
                 r"in character|a character (who|with|named)|you play|play(ing)? the role|from now on,? you)",
    "hypothetical": r"\b(hypothetical(ly)?|imagine|thought experiment|(fictional|hypothetical) (world|universe)|"
                    r"suppose)\b",
    "prefix_injection": r"((start|begin) (your|the) (answer|response|reply) with|must not contain the words|"
                        r"do not apologi[sz]e)",
    "no_rules": r"\b(dan|do anything now|jailbr(eak|oken)|developer mode|no (restrictions|limits|filters|rules)|"
                r"without any (content )?polic|ignore (all |any )?(previous|prior|your) "
                r"(instructions|rules|guidelines)|"
                r"never refuses?|unfiltered|no content policy)\b",
    "fake_authority": r"\b(system note|as an? (admin|administrator|developer)|i am an? (police|doctor|researcher|"
                      r"security)|authori[sz]ed (user|personnel|request))\b",
    "past_tense": r"\b(how (did|were|was)|in the past|historically|used to|back in the|in the (early |late )?\d{4}s)\b",
    "future_tense": r"\b(how will|will (people|someone|it) be|in the (coming|next) (years|decades)|in the future)\b",
    "payload_splitting": r"(^[a-z] = \".*\"$|\bconcatenate\b)",
}
_COMPILED = {name: re.compile(p, re.IGNORECASE | re.MULTILINE) for name, p in FRAMING_PATTERNS.items()}
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])[a-z431057]*[431057][a-z431057]*\b")
# The data set's attack names, as framings (``template``: a PyRIT template, detected from its text).
ATTACK_FRAMINGS = {"dan": "no_rules", "template": None, "base64": "encoding", "leetspeak": "encoding",
                   "payload_splitting": "payload_splitting"}
ENCODINGS = ("base64", "leetspeak", "payload_splitting")
_FIRST_PERSON = {"i": "they", "me": "them", "my": "their", "mine": "theirs", "myself": "themselves",
                 "i'm": "they're", "i've": "they've", "i'd": "they'd", "i'll": "they'll", "i am": "they are"}
_DANGLING = set("a an the in on at to of for with and or that from by my your".split())  # never end a cue
# First words that do not start an imperative ("You are FreeGPT…", "My neighbour…"): quote those requests.
_NOT_A_VERB = re.compile(r"(you|i|we|they|he|she|it|my|your|our|the|a|an|this|that|these|there|in|for|as|if|from|"
                         r"hello|hi|dear|imagine|let's|[^a-z])\b", re.I)
_QUESTION = re.compile(r"(what|which|why|where|when|who|whom|whose|how|is|are|was|were|do|does|did|should|"
                       r"shall|can|could|will|would|has|have|had|may|might|isn't|aren't|don't|doesn't)\b", re.I)


def detect_framings(text: str, attack: str | None = None, *, tense: bool = True) -> list[str]:
    """Framing names found in ``text`` (plus the known ``attack``), in FRAMING_PATTERNS order.

    ``tense=False`` skips the tense patterns: a history question is naturally in the past tense.
    """
    found = [name for name, pattern in _COMPILED.items()
             if (tense or not name.endswith("_tense")) and pattern.search(text)]
    if _looks_base64(text) or len(_LEET_WORD.findall(text.lower())) >= 3:
        found.append("encoding")
    known = ATTACK_FRAMINGS.get(attack, attack) if attack else None
    if known and known not in found:
        found.append(known)
    return found


def _looks_base64(text: str) -> bool:
    for token in _BASE64.findall(text):
        try:
            decoded = base64.b64decode(token, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if decoded.isprintable() and " " in decoded:
            return True
    return False


def request_text(record: dict) -> str:
    """The request a prompt carries: the wrapped request when known, decoded when encoded, else the prompt."""
    base = record.get("meta", {}).get("base_prompt")
    if base:
        return base
    return text_request(record["prompt"], record.get("attack"))


def text_request(prompt: str, attack: str | None = None) -> str:
    """The request, from the text alone: decoded for the encoding attacks, otherwise the prompt as is."""
    if attack in ENCODINGS:
        try:
            return decode_payload(attack, prompt)
        except (ValueError, StopIteration, binascii.Error, UnicodeDecodeError):
            return prompt
    return prompt


def paragraphs(text: str, min_chars: int = 20) -> list[str]:
    """The text's lines or paragraphs long enough to hold a request (the text itself if none is)."""
    parts = [p.strip() for p in re.split(r"\n", text) if len(p.strip()) >= min_chars]
    return parts or [text]


def gist(text: str, max_words: int = 22) -> str:
    """The request restated after "The user asks …": "me to write …", "how to …", or quoted."""
    text = " ".join(text.split())
    text = re.sub(r"^(please|hey|hi|so|ok(ay)?)[,!]?\s+", "", text, flags=re.I).rstrip(" .!")
    polite = re.match(r"(?:please\s+)?(?:can|could|would|will) you (?:please )?(.+)", text, re.I)
    body = polite.group(1).rstrip("?") if polite else text
    if m := re.match(r"(?:tell|show|teach|explain to) me how to (.+)", body, re.I):
        return "how to " + _third_person(_clip(m.group(1).rstrip("?"), max_words))
    if polite:
        return "me to " + _third_person(_clip(body, max_words))
    if m := re.match(r"how (?:do|can|could|would|should|might|does) (?:i|we|one|someone|you|a person) (.+)",
                     text, re.I):
        return "how to " + _third_person(_clip(m.group(1).rstrip("?"), max_words))
    if _QUESTION.match(text) or text.endswith("?") or _NOT_A_VERB.match(text):
        return f"“{_clip(text, max_words)}”"
    return "me to " + _third_person(_lower_first(_clip(text, max_words)))


def _clip(text: str, max_words: int) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]).rstrip(",;:") + "…"


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


def _third_person(text: str) -> str:
    return re.sub(r"\b(I am|I'm|I've|I'd|I'll|I|me|my|mine|myself)\b",
                  lambda m: _FIRST_PERSON[m.group(0).lower()], text)


def cue(text: str, keywords: list[str], max_words: int = 5) -> str | None:
    """The prompt's own words around the most specific matched keyword (e.g. "kill a background job")."""
    lowered = text.lower()
    for keyword in sorted(keywords, key=lambda k: -len(k.split())):
        m = keyword_pattern(keyword).search(lowered)
        if m:
            tail = re.match(r"[^.,;:?!\n]*", text[m.end():]).group(0).split()
            words = text[m.start():m.end()].split() + tail[: max(max_words - len(keyword.split()), 0)]
            while len(words) > 1 and words[-1].lower() in _DANGLING:
                words.pop()
            return " ".join(words)
    return None
