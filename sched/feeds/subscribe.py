"""One-tap subscription to a feed: webcal:, Google Agenda, Outlook links and a QR code (SVG drawn here)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import segno
from markupsafe import Markup


@dataclass(frozen=True)
class Subscription:
    url: str  # https:// (or http:// on a loopback demo): download, copy
    webcal: str  # the same address as webcal://: the phone's or computer's calendar subscribes
    google: str
    outlook: str
    office365: str
    qr_svg: Markup


def webcal_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("webcal", parts.netloc, parts.path, parts.query, ""))


def qr_svg(data: str, title: str) -> Markup:
    """An inline SVG QR code (no script, no style attribute: the CSP allows it)."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(scale=4, border=2, title=title, svgclass="qr-code", lineclass=None, omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def subscription(url: str, name: str) -> Subscription:
    webcal = webcal_url(url)
    return Subscription(
        url=url,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        outlook=f"https://outlook.live.com/calendar/0/addfromweb?url={quote(url, safe='')}&name={quote(name)}",
        office365=f"https://outlook.office.com/calendar/0/addfromweb?url={quote(url, safe='')}&name={quote(name)}",
        qr_svg=qr_svg(webcal, f"QR code de l'adresse de l'agenda : {name}"),
    )
