"""Reading a chart's SVG back as a reader does: elements by id, the texts, and values through
the chart's own value-axis ticks. Shared by the chart, report and dashboard tests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str):
    """The <svg> root of an SVG document or fragment (raises on anything but valid XML)."""
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    return root


def svg_in(html: str, figure_id: str):
    """The SVG inside <figure ... id="figure_id">, parsed."""
    found = re.search(rf'<figure class="chart" id="{figure_id}">\s*(<svg.*?</svg>)', html, re.S)
    assert found, figure_id
    return parse(found.group(1))


def by_id(root, ident: str):
    found = [el for el in root.iter() if el.get("id") == ident]
    assert len(found) == 1, (ident, len(found))
    return found[0]


def ids(root) -> set[str]:
    return {el.get("id") for el in root.iter() if el.get("id")}


def texts(root) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{NS}text")]


def value_at(root):
    """The value axis as a reader uses it: pixel y -> value, from the first and last tick."""
    ticks = []
    for tick in root.find(f".//{NS}g[@class='axis y']").iter(f"{NS}g"):
        line, label = tick.find(f"{NS}line"), tick.find(f"{NS}text")
        if line is not None and label is not None:
            ticks.append((float(line.get("y1")), float(label.text.replace(",", ""))))
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    return lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def tenth_px(root) -> float:
    """The value of a tenth of a pixel: coordinates are written with one decimal."""
    value = value_at(root)
    return abs(value(0.1) - value(0))


def path_points(d: str) -> list[tuple[float, float]]:
    """The corners of an M/H/V/L path."""
    x = y = 0.0
    out = []
    for cmd, a, b in re.findall(r"([MHVL])(-?[\d.]+)(?: (-?[\d.]+))?", d):
        if cmd in "ML":
            x, y = float(a), float(b)
        elif cmd == "H":
            x = float(a)
        else:
            y = float(a)
        out.append((x, y))
    return out


def series_points(root, shoe_id: int) -> list[tuple[float, float]]:
    return path_points(by_id(root, f"pair-{shoe_id}").find(f"{NS}path").get("d"))


def bars(root) -> list:
    """The weekly bars, oldest first."""
    return [el for el in root.iter(f"{NS}rect") if el.get("class", "").startswith("week")]
