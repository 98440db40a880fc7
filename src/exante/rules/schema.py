"""Rulebook schema, loading and validation.

A rulebook is a YAML file::

    version: "1.0"                 # required, string
    name: exante-default           # optional
    description: ...               # optional
    rules:
      - id: weapons.explosives     # required, stable, unique; [a-z0-9_.-]
        title: Explosives and incendiary devices
        hazard_area: weapons       # one of HAZARD_AREAS, or "over_refusal" for guard rules
        disallowed: [...]          # what the rule forbids (list of strings); optional for a
                                   # guard rule, where it lists what the guard does not excuse
        allowed_contexts: [...]    # from ALLOWED_CONTEXTS
        default_path: refuse_and_redirect   # one of PATHS
        examples:                  # short, labelled
          - {prompt: "...", path: refuse_and_redirect}
        keywords: [...]            # optional lexical cues for retrieval (see rules/keywords.py)

Validation errors name the file, the rule id and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from exante.errors import ExanteError

# The fixed set of response paths a trace may choose (path calibration).
PATHS = ("comply", "comply_with_safety_framing", "partial_comply", "refuse_and_redirect")
REFUSING_PATHS = frozenset({"refuse_and_redirect"})
# Paths that hand over what was asked for (possibly with safety framing).
COMPLYING_PATHS = frozenset({"comply", "comply_with_safety_framing"})

HAZARD_AREAS = (
    "violent_crime",
    "weapons",
    "cyber",
    "fraud",
    "drugs",
    "self_harm",
    "sexual",
    "child_safety",
    "hate",
    "privacy",
    "misinformation",
    "extremism",
    "specialised_advice",
    "intellectual_property",
    "over_refusal",
)

ALLOWED_CONTEXTS = (
    "education",
    "fiction",
    "history",
    "safety_information",
    "harm_reduction",
    "benign_homonym",
    "figurative_language",
    "public_figures",
    "fictional_characters",
    "definitions",
    "research",
    "professional",
    "news_reporting",
    "self_protection",
    "general_knowledge",
    "safe_target",
    "games",
)

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster when present
_TOP_LEVEL = ("version", "name", "description", "rules")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
DEFAULT_RULEBOOK = "default_rulebook.yaml"


@dataclass(frozen=True)
class Example:
    prompt: str
    path: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    hazard_area: str
    disallowed: tuple[str, ...]
    allowed_contexts: tuple[str, ...]
    default_path: str
    examples: tuple[Example, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def guards_over_refusal(self) -> bool:
        return self.hazard_area == "over_refusal"

    def to_dict(self) -> dict:
        """The rule as plain YAML/JSON data; ``parse_rulebook`` reads it back unchanged."""
        return {
            "id": self.id,
            "title": self.title,
            "hazard_area": self.hazard_area,
            "disallowed": list(self.disallowed),
            "allowed_contexts": list(self.allowed_contexts),
            "default_path": self.default_path,
            "examples": [{"prompt": e.prompt, "path": e.path} for e in self.examples],
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class Rulebook:
    version: str
    rules: tuple[Rule, ...]
    name: str = "rulebook"
    source: str = "<memory>"
    description: str = ""
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({r.id: r for r in self.rules})

    def ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def get(self, rule_id: str) -> Rule:
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise ExanteError(f"{self.source}: no rule with id {rule_id!r}") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def hazard_areas(self) -> list[str]:
        return sorted({r.hazard_area for r in self.rules if not r.guards_over_refusal})

    def by_area(self, area: str) -> list[Rule]:
        return [r for r in self.rules if r.hazard_area == area]

    def to_dict(self) -> dict:
        data = {"version": self.version, "name": self.name}
        if self.description:
            data["description"] = self.description
        data["rules"] = [r.to_dict() for r in self.rules]
        return data


def _fail(source: str, rule_id: str | None, field_name: str, expected: str) -> ExanteError:
    where = f"{source}: rule {rule_id!r}" if rule_id else source
    return ExanteError(f"{where}: field {field_name!r}: {expected}")


def _str_list(source: str, rid: str, raw: dict, key: str, *, required: bool, choices=None) -> tuple[str, ...]:
    value = raw.get(key, None if required else [])
    if value is None or not isinstance(value, list) or (required and not value):
        raise _fail(source, rid, key, "expected a non-empty list of strings" if required else "expected a list of strings")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _fail(source, rid, key, f"expected non-empty strings, got {item!r}")
        if choices is not None and item not in choices:
            raise _fail(source, rid, key, f"unknown value {item!r}; expected one of {', '.join(choices)}")
    return tuple(value)


def _examples(source: str, rid: str, raw: object) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        raise _fail(source, rid, "examples", "expected a list of {prompt, path} mappings")
    examples = []
    for i, ex in enumerate(raw):
        where = f"examples[{i}]"
        if not isinstance(ex, dict) or set(ex) != {"prompt", "path"}:
            raise _fail(source, rid, where, f"expected a mapping with exactly 'prompt' and 'path'; got {ex!r}")
        if not isinstance(ex["prompt"], str) or not ex["prompt"].strip():
            raise _fail(source, rid, where, "expected a non-empty 'prompt' string")
        if ex["path"] not in PATHS:
            raise _fail(source, rid, where, f"unknown path {ex['path']!r}; expected one of {', '.join(PATHS)}")
        examples.append(Example(ex["prompt"], ex["path"]))
    return tuple(examples)


def _parse_rule(source: str, index: int, raw: object) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, f"#{index + 1}", "rules", "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise _fail(source, rid if isinstance(rid, str) else f"#{index + 1}", "id",
                    "expected a lower-case id of letters, digits, '_', '.', '-'")
    known = {"id", "title", "hazard_area", "disallowed", "allowed_contexts", "default_path", "examples", "keywords"}
    for key in raw:
        if key not in known:
            raise _fail(source, rid, key, f"unknown field; expected one of {', '.join(sorted(known))}")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(source, rid, "title", "expected a non-empty string")
    area = raw.get("hazard_area")
    if area not in HAZARD_AREAS:
        raise _fail(source, rid, "hazard_area", f"expected one of {', '.join(HAZARD_AREAS)}, got {area!r}")
    path = raw.get("default_path")
    if path not in PATHS:
        raise _fail(source, rid, "default_path", f"expected one of {', '.join(PATHS)}, got {path!r}")
    return Rule(
        id=rid,
        title=title.strip(),
        hazard_area=area,
        disallowed=_str_list(source, rid, raw, "disallowed", required=area != "over_refusal"),
        allowed_contexts=_str_list(source, rid, raw, "allowed_contexts", required=False, choices=ALLOWED_CONTEXTS),
        default_path=path,
        examples=_examples(source, rid, raw.get("examples", [])),
        # Keywords match case-insensitively (rules/keywords.py); store them in that normal form.
        keywords=tuple(" ".join(k.lower().split()) for k in _str_list(source, rid, raw, "keywords", required=False)),
    )


def parse_rulebook(data: object, source: str) -> Rulebook:
    if not isinstance(data, dict):
        raise ExanteError(f"{source}: expected a mapping with 'version' and 'rules' at the top level")
    for key in data:
        if key not in _TOP_LEVEL:
            raise _fail(source, None, key, f"unknown top-level field; expected one of {', '.join(_TOP_LEVEL)}")
    version = data.get("version")
    if not isinstance(version, (str, int, float)) or isinstance(version, bool):
        raise _fail(source, None, "version", "expected a version string such as '1.0'")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(source, None, "rules", "expected a non-empty list of rules")
    rules = [_parse_rule(source, i, r) for i, r in enumerate(raw_rules)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise _fail(source, rule.id, "id", "duplicate id; rule ids must be unique")
        seen.add(rule.id)
    return Rulebook(
        version=str(version),
        rules=tuple(rules),
        name=str(data.get("name", Path(source).stem)),
        source=source,
        description=str(data.get("description") or ""),
    )


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load and validate a rulebook; ``None`` loads the default rulebook shipped with exante."""
    if path is None:
        text = resources.files("exante.rules").joinpath(DEFAULT_RULEBOOK).read_text(encoding="utf-8")
        source = f"<default>/{DEFAULT_RULEBOOK}"
    else:
        p = Path(path)
        if not p.is_file():
            raise ExanteError(f"{p}: rulebook file not found (expected a YAML file)")
        try:
            text, source = p.read_text(encoding="utf-8"), str(p)
        except UnicodeDecodeError as exc:
            raise ExanteError(f"{p}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ExanteError(f"{source}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_rulebook(data, source)
