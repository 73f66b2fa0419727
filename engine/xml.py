"""The one XML parser for BPMN and DMN files, at deploy and at run time.

Hardened: no entity is resolved, nothing is fetched from the network, no DTD is loaded, and a file
with a document type declaration (``<!DOCTYPE``) is refused outright — a diagram never needs one, and
it is what entity expansion ("billion laughs") and external-entity (XXE) attacks ride on. SpiffWorkflow's
own ``add_bpmn_str`` / ``add_dmn_str`` parse with lxml's defaults; callers hand it the tree parsed here
(``add_bpmn_xml`` / ``add_dmn_xml``) instead.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import DefinitionInvalid, Problem

#: a DOCTYPE anywhere before the root element (any case, any amount of whitespace)
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # a parser object is not thread-safe: one per call (cheap next to the parse itself)
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def doctype_problem(filename: str | None, content: bytes) -> Problem | None:
    """A problem naming the DOCTYPE's line, or None when the file has none."""
    found = _DOCTYPE.search(content)
    if found is not None:
        return Problem(filename, None, _line_of(content, found.start()),
                       "a DOCTYPE is not allowed in a diagram (entities and external references are refused)")
    return None


def parse(content: bytes | str, filename: str | None = None) -> etree._ElementTree:
    """Parse a BPMN or DMN file with the hardened parser.

    Raises:
        DefinitionInvalid: a DOCTYPE (its line), or an XML syntax error (its line).
    """
    if isinstance(content, str):
        content = _strip_declaration(content).encode("utf-8")
    problem = doctype_problem(filename, content)
    if problem is not None:
        raise DefinitionInvalid([problem], f"{filename or 'the file'}: a DOCTYPE is not allowed")
    try:
        tree = etree.ElementTree(etree.fromstring(content, _parser()))
    except etree.XMLSyntaxError as exc:
        raise DefinitionInvalid([Problem(filename, None, exc.lineno, f"XML syntax error: {exc.msg}")],
                                f"{filename or 'the file'}: XML syntax error") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # e.g. in an encoding the scan cannot see
        raise DefinitionInvalid([Problem(filename, None, 1, "a DOCTYPE is not allowed in a diagram")],
                                f"{filename or 'the file'}: a DOCTYPE is not allowed")
    return tree


def _strip_declaration(text: str) -> str:
    """A str cannot carry an encoding declaration into lxml: drop it (the text is encoded as UTF-8)."""
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
