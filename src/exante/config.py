"""Typed stage configs: one dataclass per stage, loaded from YAML, every field a CLI flag.

Precedence: dataclass defaults < YAML file (``--config``) < command-line flags. Each field
documents itself once through ``metadata={"help": ...}``; that text is the ``--help`` line.
The resolved config is written next to every output (``save_resolved``).
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from exante.errors import ExanteError
from exante.io import atomic_write_text

C = TypeVar("C")


def field(default: Any = dataclasses.MISSING, *, help: str, flag: str | None = None, **kwargs: Any) -> Any:
    """A dataclass field with its help text (lists and dicts take ``default_factory``).

    ``flag`` names its command-line flag when ``--field-name`` reads badly (e.g. ``--model`` for
    ``models``); the YAML key stays the field name.
    """
    metadata = {"help": help, **({"flag": flag} if flag else {})}
    if isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=metadata, **kwargs)
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def _base_type(tp: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for ``X``, ``X | None`` and ``Optional[X]``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else str), True
    return tp, False


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def _field_groups(cls: type) -> list[tuple[str, list[dataclasses.Field]]]:
    """(title, fields) for ``--help``: the config's own fields, then those of each base that sets a
    ``FLAG_GROUP`` title (fields shared by several stages, e.g. ``GenerationFields``), in field order."""
    shared = {c.FLAG_GROUP: {f.name for f in dataclasses.fields(c)} for c in cls.__mro__ if "FLAG_GROUP" in vars(c)}
    fields, in_shared = dataclasses.fields(cls), set().union(*shared.values())
    groups = [(f"{cls.__name__} fields", [f for f in fields if f.name not in in_shared])]
    groups += [(title, [f for f in fields if f.name in names]) for title, names in shared.items()]
    return [(title, group) for title, group in groups if group]


def add_config_args(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add ``--config FILE`` and one ``--field-name`` flag per dataclass field.

    A list field's flag takes one or more values and may be repeated; the values add up.
    """
    parser.add_argument("--config", type=Path, help="YAML file with fields of this stage's config")
    hints = typing.get_type_hints(cls)
    for title, fields in _field_groups(cls):
        group = parser.add_argument_group(f"{title} (override the YAML)")
        for f in fields:
            _add_field_arg(group, f, hints[f.name])


def _add_field_arg(group: argparse._ArgumentGroup, f: dataclasses.Field, hint: Any) -> None:
    tp, _ = _base_type(hint)
    flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
    metavar = flag[2:].replace("-", "_").upper()
    default = f.default if f.default is not dataclasses.MISSING else (
        f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
    # argparse %-formats help strings: a literal '%' in help or default must be escaped.
    help_text = f"{f.metadata.get('help', '')} (default: {default!r})".replace("%", "%%")
    if typing.get_origin(tp) is list:
        item = typing.get_args(tp)[0] if typing.get_args(tp) else str
        item = item if item in (int, float, str) else yaml.safe_load  # a list of mappings: one YAML value each
        group.add_argument(flag, dest=f.name, nargs="+", action="extend", type=item, default=None, metavar=metavar,
                           help=help_text)
    elif tp is bool:
        group.add_argument(flag, dest=f.name, type=_parse_bool, default=None, metavar="BOOL", help=help_text)
    elif tp in (int, float, str):
        group.add_argument(flag, dest=f.name, type=tp, default=None, metavar=metavar, help=help_text)
    else:
        group.add_argument(flag, dest=f.name, type=yaml.safe_load, default=None, metavar="YAML", help=help_text)


def _coerce(cls_name: str, name: str, tp: Any, value: Any, where: str) -> Any:
    base, optional = _base_type(tp)
    if value is None:
        if optional:
            return None
        raise ExanteError(f"{where}: field {name!r} of {cls_name} must not be empty")
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    check = typing.get_origin(base) or base
    if check in (int, float, str, bool, list, dict) and not isinstance(value, check) or (
        check is int and isinstance(value, bool)
    ):
        raise ExanteError(
            f"{where}: field {name!r} of {cls_name} expects {getattr(base, '__name__', base)}, "
            f"got {type(value).__name__} {value!r}"
        )
    return value


def load_config(cls: type[C], path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> C:
    """Build ``cls`` from defaults, an optional YAML file and explicit overrides."""
    values: dict[str, Any] = {}
    names = {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ExanteError(f"{path}: config file not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            raise ExanteError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
        if not isinstance(data, dict):
            raise ExanteError(f"{path}: expected a mapping of {cls.__name__} fields at the top level")
        for key, value in data.items():
            if key not in names:
                raise ExanteError(f"{path}: unknown field {key!r} for {cls.__name__} (known: {', '.join(sorted(names))})")
            values[key] = _coerce(cls.__name__, key, hints[key], value, str(path))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in names:
            raise ExanteError(f"unknown field {key!r} for {cls.__name__}")
        values[key] = _coerce(cls.__name__, key, hints[key], value, "command line")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ExanteError(f"{cls.__name__}: {exc}") from None


def config_from_args(cls: type[C], args: argparse.Namespace) -> C:
    """The config for a sub-command parsed with ``add_config_args``."""
    overrides = {f.name: getattr(args, f.name, None) for f in dataclasses.fields(cls)}
    return load_config(cls, getattr(args, "config", None), overrides)


def save_resolved(config: Any, path: str | Path) -> None:
    """Write the fully resolved config (YAML) next to an output."""
    atomic_write_text(path, yaml.safe_dump(dataclasses.asdict(config), sort_keys=False, allow_unicode=True))
