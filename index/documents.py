"""Map corpus records to Whoosh documents, and stored documents back to typed ones."""
from __future__ import annotations

from typing import Any

from corpus import Article, Bio, Quote, Record
from index.analysis import with_language
from index.results import Document


def _day(date: str | None) -> int:
    return int(date.replace("-", "")) if date else 0


def _marked(doc: dict[str, Any], field: str, text: str, lang: str) -> None:
    """Index ``text`` in ``lang`` while storing it clean."""
    if text:
        doc[field] = with_language(text, lang)
        doc[f"_stored_{field}"] = text


def to_document(record: Record) -> dict[str, Any]:
    """Return the Whoosh document for one corpus record."""
    lang = record.lang or ""
    doc: dict[str, Any] = {"id": record.id, "kind": record.kind, "lang": lang}
    if record.site:
        doc["site"] = record.site
    if isinstance(record, Article):
        _marked(doc, "title", record.title, lang)
        _marked(doc, "dek", record.dek, lang)
        _marked(doc, "headings", "\n".join(record.headings), lang)
        _marked(doc, "body", record.body, lang)
        if record.authors:
            doc["byline"] = with_language(record.author, "")
            _authors(doc, record.authors)
        if record.tags:
            doc["tags"] = with_language(", ".join(record.tags), lang)
        doc["spell"] = "\n".join([record.title, record.dek, *record.headings, *record.authors])
        doc["url"] = record.url
        doc["date"] = record.date
        doc["extra"] = {"tags": record.tags} if record.tags else None
        _dates(doc, record.date)
    elif isinstance(record, Quote):
        _marked(doc, "body", record.text, lang)
        _marked(doc, "person", record.speaker, "")
        if record.speaker:  # an unresolved description ("the couple") has no speaker value
            doc["speaker"] = record.speaker
        if record.speaker_role:
            doc["role"] = record.speaker_role
        if record.authors:
            _authors(doc, record.authors)
        doc["article_id"] = record.article_id
        doc["spell"] = record.speaker
        doc["url"] = record.url
        doc["date"] = record.date
        doc["extra"] = {"article_title": record.article_title,
                        "speaker_role": record.speaker_role, "speaker": record.speaker,
                        "speaker_mention": record.speaker_mention}
        _dates(doc, record.date)
    elif isinstance(record, Bio):
        _marked(doc, "body", record.text, lang)
        _marked(doc, "person", record.author, "")
        _authors(doc, [record.author])
        doc["spell"] = record.author
        doc["extra"] = {"article_count": record.article_count}
        _dates(doc, None)
    return doc


def _authors(doc: dict[str, Any], names: list[str]) -> None:
    """Index ``names`` as the author facet's values (a comma separates them there) and store
    them as they are: a list of names, as the record has them, until the presenter."""
    doc["author"] = ",".join(a.replace(",", " ") for a in names)
    doc["_stored_author"] = list(names)


def _dates(doc: dict[str, Any], date: str | None) -> None:
    doc["day"] = _day(date)
    if date:
        doc["year"] = date[:4]
        doc["month"] = date[:7]


def from_stored(fields: dict[str, Any]) -> Document:
    """Return the typed form of a stored document."""
    kind = fields.get("kind", "article")
    extra = fields.get("extra") or {}
    common = {"id": fields["id"], "kind": kind, "url": fields.get("url"),
              "authors": tuple(fields.get("author") or ()), "date": fields.get("date"),
              "lang": fields.get("lang", ""), "text": fields.get("body", ""),
              "site": fields.get("site", "")}
    if kind == "quote":
        return Document(**common, title=extra.get("article_title", ""),
                        speaker=fields.get("person", ""),
                        speaker_role=extra.get("speaker_role", ""),
                        speaker_mention=extra.get("speaker_mention", ""),
                        article_id=fields.get("article_id"))
    if kind == "bio":
        return Document(**common, title=fields.get("person", ""),
                        article_count=extra.get("article_count"))
    return Document(**common, title=fields.get("title", ""), dek=fields.get("dek", ""),
                    headings=tuple(h for h in fields.get("headings", "").split("\n") if h),
                    tags=tuple(extra.get("tags", ())))


def record_from_stored(fields: dict[str, Any]) -> Bio:
    """Return a stored bio as a Bio record (to merge with an incoming one)."""
    extra = fields.get("extra") or {}
    return Bio(id=fields["id"], author=fields.get("person", ""), text=fields.get("body", ""),
               article_count=extra.get("article_count"), lang=fields.get("lang", ""))


def group_id(key: int) -> str:
    """Return the public form of a group key: 16 hex digits."""
    return f"{key & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def key_of(group: str) -> int:
    """Return the group key of its public form (``group_id``); raise ValueError."""
    value = int(group, 16)
    return value - (1 << 64) if value >= 1 << 63 else value
