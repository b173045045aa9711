"""Safe, streaming XML plumbing shared by the GPX and TCX readers: one path, on lxml (libxml2).

Why lxml: a maintained C parser whose push parser is linear in the input (a long attribute or
comment costs one pass, not one per chunk), with hard limits of its own (nesting depth 256, text
nodes and attribute values of 10 MB without ``huge_tree``), and the same behaviour on every
Python. The parser never resolves entities, loads a DTD or touches the network, and any DOCTYPE
is refused outright: that closes billion-laughs, quadratic blow-up and external entities as one
class. Encodings follow the XML declaration (UTF-8, UTF-16, ISO-8859-1, US-ASCII,
windows-1252), a UTF-8 BOM is accepted, and an undeclared namespace prefix is an error.

Memory stays flat: ``iter_end`` hands the reader only the elements it asks for, and after each
64 KiB of input removes every finished element, so the tree never holds more than the open
elements (at most 256 deep) plus what one piece of input can hold. ``iter_tree`` hands the reader
the tree itself after each 256 KiB piece, for a reader that reads and removes the finished part
on its own (TCX), with the same cap. A small document (up to 1 MiB, or 4 MiB with sparse
markup) is parsed in one call instead (``whole_tree``), its tree bounded by its size. The
element count is capped as
well (see ``MAX_ELEMENTS``), so a small gzip of millions of empty elements is refused after a
linear, C-speed pass instead of being walked for minutes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .model import MAX_BYTES, ParseError

_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
# A real GPX or TCX spends 25 bytes or more per element (a track point with its time and
# elevation is ~90 bytes for 3 elements); the smallest possible element, "<a/>", is 4 bytes. One
# element per 16 bytes of the size cap is therefore never reached by a genuine file and stops a
# document built only to have as many elements as possible.
MAX_ELEMENTS = MAX_BYTES // 16


def _etree():
    # lxml is imported on first use: commands that never read an XML file (`shoetrack status`)
    # should not pay for loading it at start-up.
    from lxml import etree

    return etree


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _refuse_doctype(root) -> None:
    # A DOCTYPE can only come before the root element, so it is known once the root starts.
    if root is None or root.getroottree().docinfo.doctype:
        raise ParseError("refused: XML with a DOCTYPE (entity declarations are not accepted)")


# detect() has just found the root of the bytes a reader is about to parse: it leaves the answer
# here, and the reader's check_prolog takes it instead of starting a second parser (a third of
# the time of reading a 6 KB file). Identity, not equality: the same immutable bytes object.
_known: tuple | None = None


def root_name(data: bytes) -> str:
    """Local name of the root element, parsing only up to it; refuses a DOCTYPE.

    The data is fed in chunks that double in size (4 KiB, 8 KiB, ...), so a document whose root
    comes late (a long comment or attribute first) still costs one linear pass.
    """
    known = _known
    if known is not None and known[0] is data:
        return known[1]
    etree = _etree()
    parser = etree.XMLPullParser(events=("start",), **_SAFE)
    pos, step = 0, 4096
    try:
        while True:
            chunk = data[pos : pos + step]
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for _event, el in parser.read_events():
                _refuse_doctype(el)
                return etree.QName(el).localname
            if not chunk:
                break
            pos += step
            step *= 2
    except etree.XMLSyntaxError as exc:
        if _has_doctype(data[: pos + step]):
            _refuse_doctype(None)  # the DOCTYPE is the problem, whatever libxml2 tripped on
        raise ParseError(f"not well-formed XML: {_first_line(exc)}") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None
    raise ParseError("XML without a root element")


_DOCTYPES = tuple("<!DOCTYPE".encode(c) for c in ("ascii", "utf-16-le", "utf-16-be"))


def _has_doctype(head: bytes) -> bool:
    """Whether the bytes read so far hold a DOCTYPE (UTF-8-compatible or UTF-16 text)."""
    return any(d in head for d in _DOCTYPES)


def remember_root(data: bytes, name: str) -> None:
    global _known
    _known = (data, name)


def check_prolog(data: bytes) -> str:
    """``root_name(data)``, or what ``remember_root`` was just told about these bytes."""
    global _known
    known = _known
    if known is not None and known[0] is data:
        _known = None  # used once: the bytes are not kept alive after their read
        return known[1]
    return root_name(data)


_FEED = 1 << 16


def iter_end(data: bytes, what: str, tags: tuple[str, ...], keep=None):
    """Yield lists of the finished elements named in ``tags`` (lxml tag patterns such as
    "{*}trkpt"), in document order of their end tags, one list per 64 KiB of input.

    Nothing is kept for the caller: read what you need (a text, an attribute, ``getparent()``)
    when an element ends; children are still there then, unless removed as follows. The data is
    fed in 64 KiB pieces; after each, every finished element is removed from the tree (elements
    outside ``tags`` are never seen by Python at all), so memory stays flat whatever the file
    holds. Before the finished children of a still-open element go, ``keep(element)`` is called
    so the reader can take what it will want from them at the element's end. ``check_prolog``
    must have passed (a DOCTYPE is refused again here, on the root's start).
    """
    etree = _etree()
    parser = etree.XMLPullParser(
        events=("start", "end"), tag=tags, remove_comments=True, remove_pis=True, **_SAFE
    )
    root = None
    removed = 0
    try:
        for i in range(0, len(data) or 1, _FEED):
            parser.feed(data[i : i + _FEED])
            if root is None:
                events = list(parser.read_events())
                if events:
                    root = events[0][1].getroottree().getroot()
                    _refuse_doctype(root)
                yield [el for event, el in events if event == "end"]
            else:
                yield [el for event, el in parser.read_events() if event == "end"]
            if root is not None:
                removed += _prune(root, keep)
                count_removed(removed, what)
        parser.close()
        yield [el for event, el in parser.read_events() if event == "end"]
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{what} is not well-formed XML: {_first_line(exc)}") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None


# iter_tree's pieces: larger than iter_end's, as its reader pays per piece (a sweep of the open
# path, XPath calls) rather than per element; 256 KiB of input holds at most 64k elements.
_TREE_FEED = 1 << 18
# A document this small is parsed in one call instead: the push parser's per-element event
# hook costs as much again as the parse (5.3 against 3.0 ms for a 550 KB file). The tree is then
# held whole, so its size is bounded: a node takes 120-220 bytes (an attribute with its value
# the most) and needs at least 4 bytes of input, so 1 MiB of any document stays under ~60 MB.
# Up to 4 MiB, the markup is counted first: every element, text and attribute node needs a "<"
# or an "=" (or lies between two "<"), and 2^18 of those keep the tree within the same bound. A
# real 2.8 MB TCX (4 h of 1 s trackpoints) has ~160k; anything bigger or denser is streamed.
_WHOLE_BYTES = 1 << 20
_WHOLE_COUNTED_BYTES = 4 << 20
_WHOLE_MARKUP = 1 << 18


def _whole(data: bytes) -> bool:
    """Whether ``data`` is parsed in one call (see ``_WHOLE_BYTES``)."""
    if len(data) <= _WHOLE_BYTES:
        return True  # not counted: counting costs a tenth of the parse
    return (
        len(data) <= _WHOLE_COUNTED_BYTES and data.count(b"<") + data.count(b"=") <= _WHOLE_MARKUP
    )


def whole_tree(data: bytes, what: str, *, blank_text: bool = True):
    """The root of ``data`` parsed in one call (no comments or processing instructions), or None
    when the document is too large to hold whole (see ``_WHOLE_BYTES``): then stream it.

    ``blank_text``: keep whitespace-only text between elements (False drops it, as
    ``iter_tree`` does; a reader that tells an empty ``<time> </time>`` from none keeps it).
    ``check_prolog`` must have passed (a DOCTYPE is refused again here).
    """
    if not _whole(data):
        return None
    etree = _etree()
    parser = etree.XMLParser(
        remove_comments=True, remove_pis=True, remove_blank_text=not blank_text, **_SAFE
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{what} is not well-formed XML: {_first_line(exc)}") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None
    _refuse_doctype(root)
    return root


def iter_tree(data: bytes, what: str, root_tag: str):
    """Feed ``data`` in 256 KiB pieces and yield (the document's root element, False) after
    each piece (None until the root has started), then (root, True) after the end of the input;
    a small document (see ``_WHOLE_BYTES``) is parsed in one call and yields (root, True) only.

    For readers that take what they need from the tree themselves and remove what they have
    read (see ``count_removed``): no events reach Python except the root's start, so the parse
    runs at C speed. Whitespace-only text between elements is not kept (every text a reader
    uses is stripped). ``root_tag`` is the root's lxml tag pattern ("{*}TrainingCenterDatabase");
    ``check_prolog`` must have passed (a DOCTYPE is refused again once the root is known).
    """
    root = whole_tree(data, what, blank_text=False)
    if root is not None:
        yield root, True
        return
    etree = _etree()
    options = dict(remove_comments=True, remove_pis=True, remove_blank_text=True, **_SAFE)
    try:
        parser = etree.XMLPullParser(events=("start",), tag=root_tag, **options)
        root = None
        step = _TREE_FEED
        for i in range(0, len(data) or 1, step):
            parser.feed(data[i : i + step])
            for _event, el in parser.read_events():
                if root is None:
                    root = el.getroottree().getroot()
                    _refuse_doctype(root)
            yield root, False
        parser.close()
        for _event, el in parser.read_events():
            if root is None:
                root = el.getroottree().getroot()
        yield root, True
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{what} is not well-formed XML: {_first_line(exc)}") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ParseError(f"unsupported XML encoding: {_first_line(exc)}") from None


def count_removed(total: int, what: str) -> None:
    """Refuse a document once ``total`` removed elements exceed ``MAX_ELEMENTS``."""
    if total > MAX_ELEMENTS:
        raise ParseError(f"refused: {what} with more than {MAX_ELEMENTS:,} XML elements")


def _prune(root, keep) -> int:
    """Remove every finished element: all but the last child at each level of the open path
    (the chain of last children from the root). Returns how many were removed."""
    removed = 0
    node = root
    while True:
        n = len(node)
        if n == 0:
            return removed
        if n > 1:
            if keep is not None:
                keep(node)
            del node[: n - 1]
            removed += n - 1
        node = node[0]


def child_text(el, tag: str) -> str | None:
    """Text of the first direct child of ``el`` with ``tag`` ("" when empty), None if none.

    What ElementTree's ``findtext`` gives, by a plain loop over the children (lxml's ``findtext``
    goes through its path machinery and costs three times more per track point)."""
    for child in el:
        if child.tag == tag:
            return child.text or ""
    return None


def split_tag(tag: str) -> tuple[str, str]:
    """("{namespace}", local name) of an lxml tag ("" namespace when there is none)."""
    if tag[:1] == "{":
        ns, _, ln = tag[1:].partition("}")
        return "{" + ns + "}", ln
    return "", tag


# --- xsd:dateTime --------------------------------------------------------------------------
#
# One parser for every Python: ``datetime.fromisoformat`` reads "Z" only from 3.11 on and reads
# many more shapes there (week dates, basic format), which would make the same file import on one
# interpreter and fail on another. Accepted: YYYY-MM-DD, "T" (or a space), hh:mm[:ss[.fraction]],
# then "Z", "+hh:mm", "+hhmm", "+hh" or nothing (UTC, as GPX and TCX specify), with surrounding
# whitespace. Year 0001-9999; an offset that pushes the instant out of that range is unreadable.
_TIME = re.compile(
    r"[ \t\r\n]*([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?[ \t\r\n]*\Z"
)
_fromiso = datetime.fromisoformat
_EPOCH_NAIVE = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
_UNIX_DAY0 = 719_163  # date(1970, 1, 1).toordinal()
_MIN_TS = (1 - _UNIX_DAY0) * 86_400  # 0001-01-01T00:00:00Z, in whole seconds
_MAX_TS = (datetime(9999, 12, 31).toordinal() + 1 - _UNIX_DAY0) * 86_400 - 1  # 9999-12-31T23:59:59Z


@lru_cache(maxsize=512)
def _day(y: str, m: str, d: str) -> int:
    """Days since 1970-01-01 of a calendar date; ValueError if it does not exist."""
    from datetime import date

    return date(int(y), int(m), int(d)).toordinal() - _UNIX_DAY0


def micros(text: str) -> int:
    """Microseconds since 1970-01-01T00:00:00Z of an xsd:dateTime; ValueError when unreadable."""
    n = len(text)
    if (n == 20 or n == 24) and text[n - 1] in "Zz" and text[10] == "T" and text.isascii():
        # The shapes devices write ("...T07:30:00Z", "...T07:30:00.000Z"), read in C. Every
        # Python reads "YYYY-MM-DDTHH:MM:SS" alike; anything else falls through to the regex.
        frac = text[20:23] if n == 24 else "000"
        if (
            text[4] == "-"
            and text[7] == "-"
            and text[13] == ":"
            and text[16] == ":"
            and (n == 20 or text[19] == ".")
            and frac.isdigit()
        ):
            try:
                dt = _fromiso(text[:19])
            except ValueError:
                pass
            else:
                return (dt - _EPOCH_NAIVE) // _US + int(frac) * 1000
    m = _TIME.match(text)
    if m is None:
        raise ValueError(f"not a date-time: {text[:40]!r}")
    y, mo, d, hh, mi, ss, frac, _z, sign, oh, om = m.groups()
    h, mn, s = int(hh), int(mi), int(ss or 0)
    if h > 23 or mn > 59 or s > 59:
        raise ValueError(f"not a time of day: {text[:40]!r}")
    t = _day(y, mo, d) * 86_400 + (h * 3600 + mn * 60 + s)
    if sign:
        off_h, off_m = int(oh), int(om or 0)
        if off_h > 23 or off_m > 59:
            raise ValueError(f"not a UTC offset: {text[:40]!r}")
        off = off_h * 3600 + off_m * 60
        t = t - off if sign == "+" else t + off
    if not _MIN_TS <= t <= _MAX_TS:
        raise ValueError(f"date-time out of range: {text[:40]!r}")
    return t * 1_000_000 + (int(frac[:6].ljust(6, "0")) if frac else 0)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utc(us: int) -> datetime:
    """The aware UTC datetime of ``micros``'s microseconds."""
    return _EPOCH + timedelta(microseconds=us)


def parse_time(text: str) -> datetime:
    """An xsd:dateTime as an aware UTC datetime (see ``micros``); ValueError when unreadable."""
    return utc(micros(text))
