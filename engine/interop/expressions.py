"""Expressions: simple JUEL (``${…}``) and FEEL (``=…``) conditions rewritten as Python; ISO timer literals
quoted."""
from __future__ import annotations

import ast
import json
import re

from lxml import etree

from ..scripting import check_source
from .common import ImporterBase, _local

_ISO_TIMER = re.compile(r"^(R\d*/)?(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?|\d{4}-\d{2}-\d{2}T\S+)$")


class ExpressionMapping(ImporterBase):
    """Conditions and timer expressions rewritten for the engine, or a problem."""

    def expression(self, el: etree._Element) -> None:
        raw = (el.text or "").strip()
        if _local(el.tag).startswith("time") and _ISO_TIMER.match(raw):
            el.text = json.dumps(raw)
            return
        juel = re.fullmatch(r"[$#]\{(.*)\}", raw, re.S)
        feel = raw[1:] if raw.startswith("=") else None
        if juel is None and feel is None:
            if el.get("language") and el.get("language").lower() not in ("python", "text/x-python"):
                self.problem(el, f"expression in '{el.get('language')}' cannot run: the engine evaluates Python")
            return
        python = _juel_to_python(juel.group(1)) if juel else _feel_to_python(feel or "")
        if python is None:
            self.problem(el, f"expression '{raw}' cannot run: the engine evaluates Python; only names, literals, "
                             "comparisons, arithmetic and and/or/not are rewritten")
            return
        el.text = python
        el.attrib.pop("language", None)


_SAFE_NODES = (ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp,
               ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.In, ast.NotIn)


def _safe_python(text: str) -> str | None:
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval")
        check_source(text, "eval")
    except Exception:  # noqa: BLE001 - anything that does not parse is not rewritten
        return None
    return text if all(isinstance(n, _SAFE_NODES) for n in ast.walk(tree)) else None


def _juel_to_python(text: str) -> str | None:
    out = re.sub(r"&&", " and ", text)
    out = re.sub(r"\|\|", " or ", out)
    out = re.sub(r"!(?!=)", " not ", out)
    for word, py in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("gt", ">"), ("le", "<="), ("ge", ">="),
                     ("true", "True"), ("false", "False"), ("null", "None")):
        out = re.sub(rf"\b{word}\b", py, out)
    return _safe_python(re.sub(r"\s+", " ", out))


def _feel_to_python(text: str) -> str | None:
    out = re.sub(r"(?<![<>!=])=(?!=)", "==", text)
    for word, py in (("true", "True"), ("false", "False"), ("null", "None")):
        out = re.sub(rf"\b{word}\b", py, out)
    out = re.sub(r"\bnot\s*\(", "not (", out)
    return _safe_python(out)
