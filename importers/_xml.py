"""Safe, streaming XML plumbing shared by the GPX and TCX readers.

Parsing goes straight to expat (C) with our own element handlers: no tree is built, and nothing
runs over the whole text before parsing (gpxpy's namespace regex is quadratic on some valid input).
Any DOCTYPE is refused outright, which closes billion-laughs, quadratic blow-up and external
entity attacks as one class; expat decodes per the XML declaration (UTF-8, UTF-16, ISO-8859-1,
US-ASCII, and 8-bit Python codecs such as windows-1252) and accepts a UTF-8 BOM. Namespace
processing is on, so an undeclared prefix is an error, as in every other XML parser.
"""
from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET
from xml.parsers import expat

from .model import ParseError

NS_SEP = "}"  # expat reports "namespace-uri}local-name"


def _refuse_doctype(*_args):
    raise ParseError("refused: XML with a DOCTYPE (entity declarations are not accepted)")


def _refuse_entity(*_args):
    raise ParseError("refused: XML with an entity declaration")


def make_parser():
    """An expat parser with namespace processing that refuses DTDs and external entities."""
    p = expat.ParserCreate(namespace_separator=NS_SEP)
    p.StartDoctypeDeclHandler = _refuse_doctype
    p.EntityDeclHandler = _refuse_entity
    p.ExternalEntityRefHandler = _refuse_entity
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True  # one CharacterData call per text node, not one per line
    p.buffer_size = 1 << 16
    return p


def local(name: str) -> str:
    """Local part of an expat namespaced name."""
    return name.rpartition(NS_SEP)[2]


def feed(parser, data: bytes, what: str) -> None:
    """Parse all of ``data``; expat errors become a one-line ParseError."""
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ParseError(f"{what} is not well-formed XML: {expat.ErrorString(exc.code)} "
                         f"(line {exc.lineno}, column {exc.offset})") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None


class _Root(Exception):
    def __init__(self, name: str):
        self.name = name


def root_name(data: bytes) -> str:
    """Local name of the root element, reading only as far as it (in 4 KiB steps).

    This also refuses a DOCTYPE: one can only appear before the root element, so a document
    that reaches its root here has none (``check_prolog`` is the same call).
    """
    p = make_parser()

    def start(name, _attrs):
        raise _Root(local(name))

    p.StartElementHandler = start
    try:
        for i in range(0, len(data), 4096):
            p.Parse(data[i : i + 4096], False)
        p.Parse(b"", True)
    except _Root as found:
        return found.name
    except expat.ExpatError as exc:
        raise ParseError(f"not well-formed XML: {expat.ErrorString(exc.code)} "
                         f"(line {exc.lineno}, column {exc.offset})") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        # An encoding expat cannot use: unknown name, multi-byte codec, undecodable byte.
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None
    raise ParseError("XML without a root element")


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


check_prolog = root_name

_CHUNK = 1 << 16


def iter_end_elements(data: bytes, what: str):
    """Yield ("end", element) for each finished element, parsing ``data`` in 64 KiB chunks.

    Uses the C XMLPullParser: Python runs only once per element, not per SAX callback. Call
    ``check_prolog`` first: this parser has no hook to refuse a DOCTYPE by itself.
    """
    parser = ET.XMLPullParser(events=("end",))
    try:
        for i in range(0, len(data), _CHUNK):
            parser.feed(data[i : i + _CHUNK])
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()
    except ET.ParseError as exc:
        raise ParseError(f"{what} is not well-formed XML: {_first_line(exc)}") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None


def parse_time(text: str) -> datetime:
    """An xsd:dateTime as an aware UTC datetime; no offset means UTC (as GPX and TCX specify).

    Raises ValueError on anything unreadable; callers turn it into a ParseError with context.
    """
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
