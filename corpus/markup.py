"""HTML fragments (CMS post bodies, feed entries) to plain text: headings and paragraphs.

A post body from WordPress or a feed is HTML written by an editor, not a whole web page: no
boilerplate to find, only markup to take off. Block elements end paragraphs, ``<br>`` ends a
line, ``h1``–``h6`` become the article's section headings, scripts, styles, forms and media
players are dropped, HTML comments (Gutenberg's ``<!-- wp:paragraph -->``) go, and WordPress
shortcodes (``[gallery ids="1,2"]``, ``[caption]…[/caption]``) are taken off while the text
they wrap stays. Classic WordPress bodies have no ``<p>`` at all: a blank line is a paragraph
break there (``wpautop``), so blank lines in text count too.

>>> to_text('<!-- wp:paragraph --><p>One &amp; two</p><!-- /wp:paragraph -->'
...         '<h2>Part</h2>[gallery ids="1,2"]<p>[caption id="c"]A dog[/caption] [sic]</p>')
(['Part'], ['One & two', 'A dog [sic]'])
"""
from __future__ import annotations

import re

from lxml import etree, html

from .text import paragraphs

BLOCKS = frozenset("""p div section article header footer aside main nav blockquote pre ul ol li
    dl dt dd table thead tbody tfoot tr td th figure figcaption details summary address hr
    h1 h2 h3 h4 h5 h6 center form fieldset""".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
DROPPED = frozenset("""script style noscript template iframe object embed video audio canvas svg
    math form button select textarea input head title""".split())
# Shortcodes whose content is a media reference, not text: dropped with what they wrap.
MEDIA_SHORTCODES = ("embed", "video", "audio", "playlist", "gallery", "wpvideo", "youtube",
                    "vimeo", "soundcloud", "googlemaps", "instagram", "twitter", "gist")
# Other well-known shortcodes, taken off while their content stays. Any [name attr="…"] (with
# attributes) or [name]…[/name] pair is a shortcode too; a lone "[sic]" or "[1]" is text.
KNOWN_SHORTCODES = ("caption", "wp_caption", "code", "sourcecode", "contact-form",
                    "contact-form-7", "archives", "column", "columns", "quote", "pullquote")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MEDIA = re.compile(r"\[(%s)\b[^\]]*\](?:.*?\[/\1\])?" % "|".join(MEDIA_SHORTCODES),
                    re.DOTALL | re.IGNORECASE)
_PAIRED = re.compile(r"\[([a-z][\w-]*)\b[^\]]*\](.*?)\[/\1\]", re.DOTALL | re.IGNORECASE)
_WITH_ATTRS = re.compile(r"\[/?[a-z][\w-]*\s+[\w-]+=[^\]]*\]", re.IGNORECASE)
_KNOWN = re.compile(r"\[/?(?:%s)\]" % "|".join(KNOWN_SHORTCODES), re.IGNORECASE)


def strip_shortcodes(text: str) -> str:
    """Remove WordPress shortcodes, keeping the text that non-media ones wrap.

    >>> strip_shortcodes('[caption id="a" width="300"]<img src=x> The bay[/caption] [1]')
    '<img src=x> The bay [1]'
    """
    text = _MEDIA.sub(" ", text)
    for _ in range(4):  # nested pairs, innermost last
        text, n = _PAIRED.subn(lambda m: m.group(2), text)
        if not n:
            break
    return _KNOWN.sub("", _WITH_ATTRS.sub("", text))


def to_text(fragment: str) -> tuple[list[str], list[str]]:
    """Return (headings, paragraphs) of an HTML fragment, all markup removed."""
    fragment = strip_shortcodes(_COMMENT.sub(" ", fragment))
    if not fragment.strip():
        return [], []
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [], paragraphs(fragment)
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    out: list[str] = []
    headings: list[str] = []
    heading_start: int | None = None
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in DROPPED:
                walker.skip_subtree()
                continue
            if tag in BLOCKS:
                out.append("\n\n")
            elif tag == "br":
                out.append("\n")
            if tag in HEADINGS:
                heading_start = len(out)
            if el.text and tag not in DROPPED:
                out.append(el.text)
            continue
        if tag in HEADINGS and heading_start is not None:
            heading = " ".join("".join(out[heading_start:]).split())
            del out[heading_start:]
            heading_start = None
            if heading:
                headings.append(heading)
        if tag in BLOCKS:
            out.append("\n\n")
        if el.tail and el is not root:
            out.append(el.tail)
    return headings, paragraphs("".join(out))


def inline_text(fragment: str) -> str:
    """Return an HTML fragment (a title, a name) as one line of plain text.

    >>> inline_text('Title <em>With</em> <b>Mark<sup>up</sup></b> &amp; more')
    'Title With Markup & more'
    """
    headings, paras = to_text(fragment)
    return " ".join(" ".join([*headings, *paras]).split())
